// A detection thread: the cacheable detectors (rules, the model, PII, secrets, …) loaded in a
// worker thread, answering the event loop's requests (protocol in detection-threads.ts). The text
// is normalised here again: the normalised form maps offsets through functions, which a message
// cannot carry.
import { parentPort, workerData } from 'node:worker_threads';
import { Canaries } from '../canary/canary.js';
import type { TimedSpan } from '../detectors/types.js';
import { cachedDetectors } from '../detectors/registry.js';
import { normalise } from '../normalise/normalise.js';
import { snapshotOf } from '../observability/sources.js';
import { Outbox } from '../threads.js';
import { InlineDetection } from './detection.js';
import type { FromThread, ThreadData, ToThread } from './detection-threads.js';

const port = parentPort!;
const data = workerData as ThreadData;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

cachedDetectors({ canaries: new Canaries(Buffer.from(data.canaryKey)), model: data.model }).then(
  (detectors) => {
    const engine = new InlineDetection(detectors);
    const sources = engine.statSources();
    const stats = () => sources.map(snapshotOf);
    const outbox = new Outbox<FromThread>((batch) => port.postMessage({ type: 'batch', messages: batch, stats: stats() }));
    // A scan the event loop has given up on (its deadline passed while it queued here) is not
    // started, so an overloaded thread drains its queue instead of growing it.
    const detect = async (m: ToThread, timings: TimedSpan[] | undefined) => {
      const left = m.deadline - (performance.timeOrigin + performance.now());
      if (left <= 0) throw new Error('the deadline passed before the scan started');
      return engine.run(m.text.length, () => normalise(m.text), { direction: m.direction }, left, timings);
    };
    port.on('message', (batch: ToThread[]) => {
      for (const m of batch) {
        const timings: TimedSpan[] | undefined = m.trace ? [] : undefined;
        detect(m, timings).then(
          (detection) => outbox.push({ id: m.id, detection, timings }),
          (err: unknown) => outbox.push({ id: m.id, error: message(err) }),
        );
      }
    });
    port.postMessage({ type: 'ready', detectors: engine.detectors, stats: stats() });
  },
  (err: unknown) => port.postMessage({ type: 'failed', message: message(err) }),
);
