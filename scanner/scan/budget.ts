// How many characters of text the detectors work on at once. The model featurises every window of
// a text before scoring it and the normaliser keeps offset maps per view, so memory grows with the
// characters in flight: sixteen concurrent 150 KB inputs exhausted a 96 MiB heap. Past the budget,
// texts wait in order of arrival (a long text at the head is not overtaken by short ones, so it
// cannot starve) until room is made or their time runs out; a text longer than the whole budget
// is admitted once nothing else is in flight.

interface Waiter {
  chars: number;
  admit: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}

export class CharBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {}

  /** Characters admitted and not yet released. */
  get inFlight(): number {
    return this.used;
  }

  /** Texts waiting for room. */
  get waiting(): number {
    return this.queue.length;
  }

  private fits(chars: number): boolean {
    return this.used === 0 || this.used + chars <= this.limit;
  }

  /** True at once when `chars` fit and nobody waits; else a promise of true once admitted, or of
   *  false when `timeoutMs` passes first. Every admission must be released. */
  acquire(chars: number, timeoutMs: number): true | Promise<boolean> {
    if (this.queue.length === 0 && this.fits(chars)) {
      this.used += chars;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        chars,
        admit: resolve,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          resolve(false);
          this.drain(); // the head may have been what blocked the others
        }, Math.max(0, timeoutMs)),
      };
      this.queue.push(waiter);
    });
  }

  release(chars: number): void {
    this.used -= chars;
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0].chars)) {
      const w = this.queue.shift()!;
      clearTimeout(w.timer);
      this.used += w.chars;
      w.admit(true);
    }
  }
}
