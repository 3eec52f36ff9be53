// Micro-batching: callers submit one item and get a promise; items submitted while a batch is
// being collected or run go into the next batch. A batch is run when it holds `maxItems`, or at
// the end of the current event-loop turn (setImmediate) — or after `maxWaitMs` when that is set —
// and never more than `concurrency` batches run at once, so under load batches fill up by
// themselves while the previous one runs, and a lone request waits for nothing.

export interface BatcherOptions {
  /** Most items per batch. */
  maxItems: number;
  /** Extra time to wait for more items before running a partial batch (0: end of this turn). */
  maxWaitMs: number;
  /** Batches run at once. */
  concurrency: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private running = 0;
  private scheduled = false;
  /** Batches and items run so far (for metrics and tests). */
  batches = 0;
  items = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Submits several items; they are queued together, so they share batches. */
  submitAll(items: readonly I[]): Promise<O[]> {
    return Promise.all(items.map((i) => this.submit(i)));
  }

  private kick(): void {
    if (this.running >= this.opts.concurrency) return; // the batch in flight calls kick when done
    if (this.queue.length >= this.opts.maxItems) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      if (this.running < this.opts.concurrency && this.queue.length > 0) this.flush();
    };
    if (this.opts.maxWaitMs > 0) setTimeout(go, this.opts.maxWaitMs);
    else setImmediate(go);
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.opts.maxItems);
    this.running++;
    this.batches++;
    this.items += batch.length;
    this.run(batch.map((p) => p.item)).then(
      (out) => batch.forEach((p, i) => p.resolve(out[i])),
      (err) => batch.forEach((p) => p.reject(err)),
    ).finally(() => {
      this.running--;
      if (this.queue.length > 0) this.kick();
    });
  }
}
