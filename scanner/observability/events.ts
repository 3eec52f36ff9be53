// Recent blocked scans for the dashboard: what was found, where and when, never the text. A keyed
// fingerprint lets an operator see that the same text came back without being able to read it or
// confirm a guess (without the key).
//
// The dashboard reads an EventFeed; the in-memory ring here is the default, and the audit log (which
// keeps every scan in Postgres) can serve the same interface across pods and restarts.
import { createHmac, randomBytes } from 'node:crypto';
import type { Verdict } from '../policy/decide.js';
import type { ScanEvent } from '../scan/scanner.js';

export interface BlockedEvent {
  /** ISO time of the scan. */
  time: string;
  id: string;
  verdict: Verdict;
  /** Monitor mode: the scan was let through but enforce mode would have blocked it. */
  monitored?: boolean;
  score: number;
  direction: 'prompt' | 'response';
  cache: string;
  /** Keyed hash of the scanned text(s), 16 hex digits. */
  fingerprint: string;
  /** Characters scanned. */
  length: number;
  findings: Array<{ detector: string; category: string; rule?: string; score: number }>;
  clientIp?: string;
  app?: string;
}

export interface EventFeed {
  /** Most recent first. */
  recent(limit: number): BlockedEvent[] | Promise<BlockedEvent[]>;
}

/** Keyed fingerprint of a text: HMAC-SHA256 with the key, 16 hex digits. */
export function fingerprinter(key: string | Buffer): (texts: readonly string[]) => string {
  return (texts) => {
    const h = createHmac('sha256', key);
    texts.forEach((t, i) => {
      if (i) h.update('\0');
      h.update(t);
    });
    return h.digest('hex').slice(0, 16);
  };
}

/** Key from PF_FINGERPRINT_KEY (shared by all pods, so fingerprints match across them), else one
 *  random key per process. */
export function fingerprintKey(env: NodeJS.ProcessEnv = process.env): string | Buffer {
  return env.PF_FINGERPRINT_KEY || randomBytes(32);
}

/** A bounded ring of the most recent blocked (or, in monitor mode, would-be-blocked) scans. */
export class RecentBlocks implements EventFeed {
  private readonly ring: BlockedEvent[] = [];
  private next = 0;
  private readonly fingerprint: (texts: readonly string[]) => string;

  constructor(
    readonly capacity = 100,
    key: string | Buffer = randomBytes(32),
  ) {
    this.fingerprint = fingerprinter(key);
  }

  /** Keeps the scan if it was blocked (or would have been, in monitor mode) and returns its event. */
  record(e: ScanEvent): BlockedEvent | undefined {
    const r = e.result;
    const monitored = r.verdict !== 'block' && r.policyVerdict === 'block';
    if (r.verdict !== 'block' && !monitored) return undefined;
    const texts = e.texts.map((t) => t.text);
    const event: BlockedEvent = {
      time: new Date().toISOString(),
      id: r.id,
      verdict: r.verdict,
      score: r.score,
      direction: e.request.direction,
      cache: r.cache,
      fingerprint: this.fingerprint(texts),
      length: texts.reduce((n, t) => n + t.length, 0),
      findings: r.findings.map((f) => ({ detector: f.detector, category: f.category, rule: f.rule, score: f.score })),
    };
    if (monitored) event.monitored = true;
    if (e.context.clientIp) event.clientIp = e.context.clientIp;
    if (e.request.metadata?.app) event.app = e.request.metadata.app;
    if (this.ring.length < this.capacity) this.ring.push(event);
    else this.ring[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    return event;
  }

  recent(limit: number): BlockedEvent[] {
    const out: BlockedEvent[] = [];
    const n = this.ring.length;
    for (let k = 1; k <= Math.min(limit, n); k++) out.push(this.ring[(this.next - k + n) % n]);
    return out;
  }
}
