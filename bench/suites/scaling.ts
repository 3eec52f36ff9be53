// Several scanner processes behind a round-robin L4 proxy on loopback (what a ClusterIP Service
// does). On a 2-core machine the processes, the proxy and the load generator share two cores, so
// this measures the cost of coordination, not a speed-up.
import { startScanner, type ScannerProcess } from '../../test/harness/scanner-process.js';
import { closedLoop } from '../lib/load.js';
import { startServerScript } from '../lib/processes.js';
import { watch } from '../lib/procstat.js';
import { row, type Suite } from '../suite.js';
import { CONNECTIONS } from './http.js';

export const scalingSuite: Suite = {
  name: 'scaling',
  title: 'Scanner processes behind a round-robin proxy (closed loop, cache miss)',
  async run(ctx) {
    const counts = ctx.quick ? [2] : [1, 2, 4];
    const durationS = ctx.quick ? 2 : 10;
    const rows = [];
    const throughput: Record<number, number> = {};
    for (const n of counts) {
      const scanners: ScannerProcess[] = [];
      try {
        for (let i = 0; i < n; i++) scanners.push(await startScanner({ compiled: ctx.compiled }));
        const proxy = await startServerScript('l4-proxy.ts', scanners.map((s) => s.port));
        try {
          const url = `${proxy.url}/v1/scan`;
          await closedLoop({ url, connections: CONNECTIONS, durationS: ctx.quick ? 2 : 5, body: ctx.corpus.missBody }); // warm-up
          const usage = watch([proxy.pid, ...scanners.map((s) => s.child.pid!)]);
          const r = await closedLoop({ url, connections: CONNECTIONS, durationS, body: ctx.corpus.missBody });
          rows.push(row(`${n} scanner${n > 1 ? 's' : ''} + proxy`, `closed ${CONNECTIONS} conn`, r, usage.stop()));
          throughput[n] = r.throughput;
          ctx.log(`scaling ${n}: ${r.throughput.toFixed(0)} scans/s`);
        } finally {
          await proxy.stop();
        }
      } finally {
        await Promise.all(scanners.map((s) => s.stop()));
      }
    }
    const direct = ctx.shared.scannerThroughput;
    const notes = [
      'CPU and RSS are summed over the scanners and the proxy. Shared state: embedded defaults (each process has its own L1); with Redis and Postgres configured the processes would share L2 and the audit log.',
      'The machine has 2 cores shared by the load generator, the proxy and every scanner: more processes than cores add context switches and proxy hops, so throughput stays flat or drops here. On 10 pods on separate nodes each pod has its own cores, the Service spreads connections as this proxy does, and the per-pod figure of the scanner suite multiplies (less the shared Redis/Postgres round trips, which are off the request path or bounded by their timeouts).',
    ];
    if (direct && throughput[1]) notes.push(`Proxy hop: 1 scanner behind the proxy serves ${((100 * throughput[1]) / direct).toFixed(1)}% of the direct figure.`);
    return { rows, checks: [], notes };
  },
};
