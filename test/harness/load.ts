// A bounded load of scans against a scanner, with actions at given request numbers (kill a server,
// send SIGTERM), recording which requests were answered 200 and how long each took.
export interface LoadOptions {
  total: number;
  concurrency: number;
  /** X-Request-Id of request i (also used as the audit row's request id). */
  id(i: number): string;
  /** Text of request i; unique by default, so every scan misses the caches. */
  input?(i: number): string;
  /** Called once when request i is about to be sent; the load goes on meanwhile. */
  at?: Record<number, () => unknown>;
  path?: string;
}

export interface LoadResult {
  /** Request ids answered 200. */
  ok: string[];
  failures: Array<{ id: string; status?: number; error?: string }>;
  /** Round-trip milliseconds of each answered request, by request number. */
  latencies: Array<{ i: number; ms: number; startedAt: number }>;
  /** Promises the `at` actions returned, settled. */
}

export async function loadScans(base: string, opts: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { ok: [], failures: [], latencies: [] };
  const actions: Promise<unknown>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < opts.total) {
      const i = next++;
      const action = opts.at?.[i];
      if (action) actions.push(Promise.resolve(action()));
      const id = opts.id(i);
      const startedAt = performance.now();
      try {
        const r = await fetch(base + (opts.path ?? '/v1/scan'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ input: opts.input ? opts.input(i) : `load ${id} ${Math.random()}` }),
          signal: AbortSignal.timeout(30_000),
        });
        await r.arrayBuffer();
        if (r.status === 200) {
          result.ok.push(id);
          result.latencies.push({ i, ms: performance.now() - startedAt, startedAt });
        } else result.failures.push({ id, status: r.status });
      } catch (err) {
        result.failures.push({ id, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await Promise.all(actions);
  return result;
}

/** The q-quantile (0..1) of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
