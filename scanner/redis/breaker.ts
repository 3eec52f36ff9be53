// Circuit breaker: after `failureThreshold` consecutive failures calls are refused for `cooldownMs`
// (open); then a single probe is let through (half-open), whose success closes the circuit and
// whose failure opens it again. Pure state machine; the clock is injected.
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  /** Times the circuit opened; calls refused while open. */
  readonly stats = { opened: 0, shortCircuited: 0 };

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go out now. In half-open state only one probe is in flight at a time. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.opts.cooldownMs) return this.refuse();
      this.state = 'half_open';
      this.probing = false;
    }
    if (this.probing) return this.refuse();
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.state = 'closed';
  }

  failure(): void {
    this.probing = false;
    if (this.state === 'half_open' || ++this.failures >= this.opts.failureThreshold) {
      if (this.state !== 'open') this.stats.opened++;
      this.state = 'open';
      this.openedAt = this.now();
      this.failures = 0;
    }
  }

  private refuse(): false {
    this.stats.shortCircuited++;
    return false;
  }
}
