// The detectors' character budget: texts past it wait in order of arrival, a text larger than the
// whole budget runs alone, a wait that outlasts its time gives up, and detection holds its share
// until every detector has finished — also after the answer went out on the timeout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CharBudget } from '../../scanner/scan/budget.js';
import { InlineDetection } from '../../scanner/scan/detection.js';
import type { Detector } from '../../scanner/detectors/types.js';
import { normalise } from '../../scanner/normalise/normalise.js';

describe('character budget', () => {
  it('admits at once while there is room, then in order of arrival as room is made', async () => {
    const b = new CharBudget(100);
    assert.equal(b.acquire(60, 1000), true);
    const order: string[] = [];
    const big = (b.acquire(50, 1000) as Promise<boolean>).then((ok) => order.push(`big ${ok}`));
    const small = (b.acquire(10, 1000) as Promise<boolean>).then((ok) => order.push(`small ${ok}`));
    assert.equal(b.waiting, 2, 'the small one does not overtake the big one at the head');
    b.release(60);
    await Promise.all([big, small]);
    assert.deepEqual(order, ['big true', 'small true']);
    assert.equal(b.inFlight, 60);
  });

  it('admits a text larger than the whole budget once nothing else is in flight', async () => {
    const b = new CharBudget(100);
    assert.equal(b.acquire(500, 1000), true);
    const next = b.acquire(1, 1000) as Promise<boolean>;
    b.release(500);
    assert.equal(await next, true);
  });

  it('gives up a wait that outlasts its time, and lets those behind it through', async () => {
    const b = new CharBudget(100);
    assert.equal(b.acquire(90, 1000), true);
    const stuck = b.acquire(50, 20) as Promise<boolean>;
    const behind = b.acquire(10, 1000) as Promise<boolean>;
    assert.equal(await stuck, false);
    assert.equal(await behind, true, 'the small one fits once the head gave up');
    assert.equal(b.inFlight, 100);
  });
});

describe('detection within the budget', () => {
  // A model-like detector that answers after `ms`, counting how many run at once.
  let running = 0;
  let most = 0;
  const slow = (ms: number): Detector => ({
    name: 'slow',
    categories: ['prompt_injection'],
    views: ['text'],
    detect: async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return [];
    },
  });

  it('runs long texts one at a time, and a text that cannot get in within its time is a detector timeout', async () => {
    running = most = 0;
    const d = new InlineDetection([slow(40)]);
    const long = 'word '.repeat(30_000); // 150,000 characters: one fits the 200,000 budget at a time
    // Normalised once beforehand, so that the four scans start together: the fourth can only get in
    // after three 40 ms runs, past its 100 ms (timers fire in the order of their times, whatever
    // the machine's load).
    const input = normalise(long);
    const results = await Promise.all(Array.from({ length: 4 }, () => d.detect(long, input, { direction: 'prompt' }, 100)));
    assert.equal(most, 1, 'never two long texts at once');
    const waitedOut = results.filter((r) => r.errors?.some((e) => e.detector === 'detection' && e.code === 'detector_timeout'));
    assert.ok(waitedOut.length >= 1, 'the last in line gave up');
    assert.ok(results.some((r) => r.errors === undefined), 'the first ran');
  });

  it('keeps the budget until a timed-out detector has really finished', async () => {
    running = most = 0;
    const d = new InlineDetection([slow(150)]);
    const long = 'word '.repeat(30_000);
    const first = await d.detect(long, normalise(long), { direction: 'prompt' }, 20);
    assert.equal(first.errors?.[0].code, 'detector_timeout', 'answered on the timeout');
    const second = await d.detect(long, normalise(long), { direction: 'prompt' }, 50);
    assert.equal(second.errors?.[0].detector, 'detection', 'still no room: the first one is still running');
    await new Promise((r) => setTimeout(r, 200));
    const third = await d.detect(long, normalise(long), { direction: 'prompt' }, 1000);
    assert.equal(third.errors, undefined);
    assert.equal(most, 1);
  });
});
