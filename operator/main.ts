#!/usr/bin/env node
// The operator process: watches, leader election, workers, and the /metrics, /healthz, /readyz
// endpoints. Every flag has an environment variable (for the Helm chart) and a default.
//   npm run operator -- --namespaces llm-apps,other --leader-elect=false
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createLogger } from '../scanner/log.js';
import { PACKAGE_VERSION } from '../scanner/paths.js';
import { Controller } from './controller.js';
import { KubeClient, loadKubeConfig } from './kube/client.js';
import { LeaderElector } from './leader.js';
import { OperatorMetrics } from './metrics.js';
import { secretSlots } from './desired/scanner-config.js';
import { readFlags, type Flag } from './flags.js';
import { RateLimiter, WorkQueue } from './queue.js';

const seconds = (flag: Flag, v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number of seconds, got "${v}"`);
  return n * 1000;
};

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2), process.env);
  const log = createLogger('operator');
  const leaderElect = !/^(false|0|no)$/i.test(flags['leader-elect']);
  const namespaces = flags.namespaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const kube = new KubeClient(loadKubeConfig(flags.kubeconfig || undefined));
  const queue = new WorkQueue(new RateLimiter({ maxDelayMs: seconds('max-backoff', flags['max-backoff']) }));
  const metrics = new OperatorMetrics(() => queue.length);
  const identity = `${hostname()}_${randomUUID()}`;
  const controller = new Controller({
    kube,
    identity,
    namespaces,
    defaultImage: flags['scanner-image'],
    workers: Math.max(1, Number(flags.workers) || 1),
    resyncMs: seconds('resync-period', flags['resync-period']),
    log,
    metrics,
    queue,
  });
  for (const slot of secretSlots().filter((s) => !s.targetKnown)) {
    log.warn({ field: slot.refPath.join('.'), target: slot.targetPath.join('.') }, 'the scanner configuration has no field for this Secret reference yet; the scanner ignores its value');
  }

  let elector: LeaderElector | undefined;
  let lost = false;
  const server = serveHealth(flags['metrics-addr'], metrics, () => controller.synced && !lost);
  log.info({ version: PACKAGE_VERSION, namespaces: namespaces.length ? namespaces : 'all', leaderElect, metrics: flags['metrics-addr'] }, 'prompt firewall operator starting');

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string, code: number) =>
    (stopping ??= (async () => {
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(code || 1), 30_000);
      force.unref();
      await controller.stop(); // finish the reconciles in flight first
      await elector?.stop(); // then hand the lease over
      metrics.leader.set(0);
      server.closeAllConnections(); // keep-alive scrapers would hold close() open
      await new Promise((r) => server.close(r));
      log.info('stopped');
      process.exit(code);
    })());
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  await controller.startCaches();
  if (!leaderElect) {
    metrics.leader.set(1);
    controller.startWorkers();
    return;
  }
  const lease = { duration: seconds('lease-duration', flags['lease-duration']), renew: seconds('renew-deadline', flags['renew-deadline']), retry: seconds('retry-period', flags['retry-period']) };
  if (!(lease.duration > lease.renew && lease.renew > lease.retry)) throw new Error('leader election needs --lease-duration > --renew-deadline > --retry-period');
  elector = new LeaderElector(kube.kubeConfig, {
    namespace: flags['lease-namespace'] || process.env.POD_NAMESPACE || 'default',
    name: flags['lease-name'],
    identity,
    leaseDurationMs: lease.duration,
    renewDeadlineMs: lease.renew,
    retryPeriodMs: lease.retry,
    log,
    onStartedLeading: () => {
      metrics.leader.set(1);
      controller.startWorkers();
    },
    onStoppedLeading: () => {
      // Another replica may lead by now: exit at once (reconciles in flight are idempotent applies),
      // and let the restart rejoin as a standby.
      lost = true;
      log.error('exiting: leadership lost');
      process.exit(1);
    },
  });
  elector.start();
}

/** /metrics, /healthz (the process runs) and /readyz (caches synced, leader or standing by). */
function serveHealth(addr: string, metrics: OperatorMetrics, ready: () => boolean): Server {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i) || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/metrics') {
      void metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      });
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'caches not synced\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.once('error', (err) => {
    process.stderr.write(`prompt-firewall operator: cannot serve metrics on ${addr}: ${err.message} (a second operator on this machine needs its own --metrics-addr)\n`);
    process.exit(1);
  });
  server.listen(port, host);
  return server;
}

main().catch((err) => {
  process.stderr.write(`prompt-firewall operator: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
