// Load drivers. Open-loop: requests leave on a fixed schedule whatever the server does, and each
// latency is measured from the time the request was due, so a stalled server shows up as latency
// instead of silently lowering the offered rate (coordinated omission). Closed-loop: autocannon
// keeps N connections busy and measures the most the server can do.
//
// Why not autocannon for open loop: its overallRate lets each connection send its share of a
// second's requests back to back and then idle until the next second — a burst per second, not a
// steady arrival rate — so the figures at "1,000 req/s" would describe bursts of queued requests.
import { Agent, request, type ClientRequest } from 'node:http';
import autocannon from 'autocannon';

export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  mode: 'open' | 'closed';
  /** Offered rate (open loop). */
  rate?: number;
  durationS: number;
  requests: number;
  /** Successful responses per second. */
  throughput: number;
  errors: number;
  errorRate: number;
  /** Client-side latency in milliseconds. */
  latency: LatencyStats;
  /** Server-side latency (`latencyMs` of scan answers), when the answers carry it. */
  server?: LatencyStats;
  /** Failed requests by reason ("HTTP 503", "ECONNRESET", "timeout", "no answer"). */
  errorReasons?: Record<string, number>;
}

export type BodySource = () => string;

export function percentiles(values: ArrayLike<number>, n = values.length): LatencyStats {
  if (n === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from({ length: n }, (_, i) => values[i]).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1] };
}

const SERVER_LATENCY = /"latencyMs":([0-9.eE+-]+)/;

export interface OpenLoopOptions {
  url: string;
  rate: number;
  durationS: number;
  warmupS?: number;
  body: BodySource;
  /** Connections the client may open (64); requests beyond it queue in the client and count as
   *  latency; one still queued `timeoutMs` after its due time is given up ("queued too long"). */
  connections?: number;
  timeoutMs?: number;
}

/** Sends `rate` requests per second, evenly spaced, for `durationS` after a warm-up. */
export async function openLoop(o: OpenLoopOptions): Promise<LoadResult> {
  // A bounded number of connections: past it requests wait in the client (their latency counts
  // from the due time), so an overloaded server keeps answering instead of timing every request out.
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections ?? 64 });
  const timeoutMs = o.timeoutMs ?? 5000;
  const target = new URL(o.url);
  const interval = 1000 / o.rate;
  const warmup = Math.round((o.warmupS ?? 0) * o.rate);
  const total = warmup + Math.round(o.durationS * o.rate);
  const client = new Float64Array(total);
  const server = new Float64Array(total);
  let recorded = 0;
  let serverRecorded = 0;
  let done = 0;
  let sent = 0;
  const live = new Set<ClientRequest>();
  const reasons: Record<string, number> = {};

  const send = (i: number, due: number) => {
    let settled = false;
    const finish = (ok: boolean, bodyText?: string, reason?: string) => {
      if (settled) return;
      settled = true;
      live.delete(req);
      if (!ok && i >= warmup) reasons[reason ?? 'error'] = (reasons[reason ?? 'error'] ?? 0) + 1;
      if (i >= warmup && ok) {
        client[recorded++] = performance.now() - due;
        const m = bodyText && SERVER_LATENCY.exec(bodyText);
        if (m) server[serverRecorded++] = Number(m[1]);
      }
      done++;
    };
    const payload = o.body();
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(res.statusCode === 200, Buffer.concat(chunks).toString('utf8'), `HTTP ${res.statusCode}`));
        res.on('error', (e: NodeJS.ErrnoException) => finish(false, undefined, e.code ?? e.message));
      },
    );
    live.add(req);
    req.on('socket', () => {
      if (performance.now() - due > timeoutMs) req.destroy(Object.assign(new Error('queued too long'), { code: 'queued too long' }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, undefined, e.code ?? e.message));
    req.end(payload);
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      for (; sent < due; sent++) send(sent, start + sent * interval);
      if (sent < total) setTimeout(pump, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
      else resolve();
    };
    pump();
  });
  const sentAt = performance.now();
  while (done < total && performance.now() - sentAt < timeoutMs + 1000) await new Promise((r) => setTimeout(r, 10));
  // Requests still queued in the agent would otherwise go out on new sockets during the next run.
  for (const req of live) req.destroy();
  agent.destroy();
  const measured = total - warmup;
  // Every measured request that did not end in a 200 (error status, reset, timeout, no answer).
  const errors = measured - recorded;
  const unanswered = errors - Object.values(reasons).reduce((a, b) => a + b, 0);
  if (unanswered > 0) reasons['no answer'] = unanswered;
  return {
    mode: 'open',
    rate: o.rate,
    durationS: o.durationS,
    requests: measured,
    throughput: recorded / o.durationS,
    errors,
    errorRate: measured ? errors / measured : 0,
    latency: percentiles(client, recorded),
    server: serverRecorded ? percentiles(server, serverRecorded) : undefined,
    errorReasons: errors ? reasons : undefined,
  };
}

export interface ClosedLoopOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS?: number;
  body: BodySource;
}

/** Waits until the server has no request in flight (a run that overloaded it leaves a backlog). */
export async function drain(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const m = /^promptfirewall_http_requests_in_flight (\d+)/m.exec(text);
      if (!m || Number(m[1]) <= 1) return;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** As many requests as `connections` busy connections get answered (autocannon). */
export async function closedLoop(o: ClosedLoopOptions): Promise<LoadResult> {
  const run = (durationS: number, record: boolean) =>
    new Promise<{ latencies: Float64Array; n: number; ok: number; errors: number; elapsedS: number }>((resolve, reject) => {
      const latencies = new Float64Array(2_000_000);
      let n = 0;
      let ok = 0;
      let errors = 0;
      const started = performance.now();
      const instance = autocannon(
        {
          url: o.url,
          method: 'POST',
          connections: o.connections,
          duration: durationS,
          headers: { 'content-type': 'application/json' },
          requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: o.body() }) }],
        },
        (err) => (err ? reject(err) : resolve({ latencies, n, ok, errors, elapsedS: (performance.now() - started) / 1000 })),
      );
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (!record) return;
        if (status === 200) {
          ok++;
          if (n < latencies.length) latencies[n++] = ms;
        } else errors++;
      });
      instance.on('reqError', () => {
        if (record) errors++;
      });
    });
  if (o.warmupS) await run(o.warmupS, false);
  const r = await run(o.durationS, true);
  const total = r.ok + r.errors;
  return {
    mode: 'closed',
    durationS: o.durationS,
    requests: total,
    throughput: r.ok / o.durationS,
    errors: r.errors,
    errorRate: total ? r.errors / total : 0,
    latency: percentiles(r.latencies, r.n),
  };
}
