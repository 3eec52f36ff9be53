// Micro-batching: callers submit items (a text's windows) and get one promise for them; items
// submitted while a batch is being collected or run go into the next batch. A batch is run when it
// holds `maxItems`, or at the end of the current event-loop turn (setImmediate) — or after
// `maxWaitMs` when that is set — and never more than `concurrency` batches run at once, so under
// load batches fill up by themselves while the previous one runs, and a lone request waits for
// nothing.

export interface BatcherOptions {
  /** Most items per batch. */
  maxItems: number;
  /** Extra time to wait for more items before running a partial batch (0: end of this turn). */
  maxWaitMs: number;
  /** Batches run at once. */
  concurrency: number;
}

/** One run of a batch: its size and when it started and ended (ms since the Unix epoch, so that
 *  a run timed in a model thread can become a trace span on the event loop). */
export interface BatchRun {
  size: number;
  start: number;
  end: number;
}

/** The items of one submission; a submission may span several batches. */
interface Pending<I, O> {
  items: readonly I[];
  out: O[];
  /** Index of the first item not yet put into a batch. */
  next: number;
  /** Items not yet scored. */
  left: number;
  failed: boolean;
  /** Where to report the runs that served this submission, when the caller asked. */
  runs?: BatchRun[];
  resolve: (o: O[]) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  /** Items waiting in the queue. */
  private queued = 0;
  private running = 0;
  private scheduled = false;
  /** Batches and items run so far (for metrics and tests). */
  batches = 0;
  items = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions,
  ) {}

  async submit(item: I): Promise<O> {
    return (await this.submitAll([item]))[0];
  }

  /** Submits several items with one promise for all (a text's windows); they share batches. The
   *  runs that served them are appended to `runs` when it is given. */
  submitAll(items: readonly I[], runs?: BatchRun[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ items, out: new Array<O>(items.length), next: 0, left: items.length, failed: false, runs, resolve, reject });
      this.queued += items.length;
      this.kick();
    });
  }

  private kick(): void {
    if (this.running >= this.opts.concurrency) return; // the batch in flight calls kick when done
    if (this.queued >= this.opts.maxItems) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      if (this.running < this.opts.concurrency && this.queued > 0) this.flush();
    };
    if (this.opts.maxWaitMs > 0) setTimeout(go, this.opts.maxWaitMs);
    else setImmediate(go);
  }

  private flush(): void {
    const batch: I[] = [];
    const parts: Array<{ p: Pending<I, O>; from: number; count: number }> = [];
    while (batch.length < this.opts.maxItems && this.queue.length > 0) {
      const p = this.queue[0];
      const count = Math.min(this.opts.maxItems - batch.length, p.items.length - p.next);
      for (let k = 0; k < count; k++) batch.push(p.items[p.next + k]);
      parts.push({ p, from: p.next, count });
      p.next += count;
      if (p.next === p.items.length) this.queue.shift();
    }
    this.queued -= batch.length;
    this.running++;
    this.batches++;
    this.items += batch.length;
    const started = performance.now();
    this.run(batch)
      .then(
        (out) => {
          const run = { size: batch.length, start: performance.timeOrigin + started, end: performance.timeOrigin + performance.now() };
          let o = 0;
          for (const { p, from, count } of parts) {
            p.runs?.push(run);
            for (let k = 0; k < count; k++) p.out[from + k] = out[o++];
            p.left -= count;
            if (p.left === 0 && !p.failed) p.resolve(p.out);
          }
        },
        (err) => {
          for (const { p } of parts) {
            if (p.failed) continue;
            p.failed = true;
            p.reject(err);
          }
        },
      )
      .finally(() => {
        this.running--;
        if (this.queued > 0) this.kick();
      });
  }
}
