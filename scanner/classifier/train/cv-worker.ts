// One cross-validation fold: train on the fold's training rows, score its test rows.
import { parentPort, workerData } from 'node:worker_threads';
import type { FoldJob, FoldResult } from './cv.js';
import { textLogit, train } from './model.js';
import { unpack } from './packed.js';

const job = workerData as FoldJob;
const params = train(unpack(job.data, job.train), job.bucketBits, job.config);
const result: FoldResult = { name: job.name, test: job.test, logits: unpack(job.data, job.test).map((e) => textLogit(params, e.windows)) };
parentPort!.postMessage(result);
