// The scanning of a streamed answer. Events go through a FIFO queue; the text they carry is added to
// one accumulator per choice. The guard rescans a choice once `scanIntervalChars` new characters
// have arrived, reading only a window — the new text plus `overlapChars` already scanned before it —
// so the cost of a stream stays linear in its length. An event leaves the queue only when all of its
// text has been scanned and lies at least `holdBackChars` before the end of what has arrived, so
// the client never receives text the firewall has not seen, and an entity of up to holdBackChars
// characters that arrives over several chunks is caught before any part of it is sent.
// Redact verdicts turn into cuts that rewrite the events still queued; block ends the stream.
// No I/O here: the route feeds events in and writes out what `step` releases.
import type { ScanResult } from '../scan/scanner.js';
import type { Endpoint } from './openai.js';
import { choiceTextOf, withChoiceText } from './openai.js';
import type { SseEvent } from './sse.js';

export interface StreamGuardOptions {
  endpoint: Endpoint;
  scanIntervalChars: number;
  holdBackChars: number;
  overlapChars: number;
  /** Scans one window of one choice's text (direction response). */
  scan(text: string): Promise<ScanResult>;
}

interface Cut {
  start: number;
  end: number;
  placeholder: string;
}

interface Choice {
  text: string;
  scanned: number;
  released: number;
  cuts: Cut[];
}

/** The text an event adds to a choice: [start, end) of that choice's accumulator. */
interface Piece {
  choice: number;
  /** Position of the choice in the event's `choices` array. */
  slot: number;
  start: number;
  end: number;
}

interface Queued {
  event: SseEvent;
  json?: { choices?: unknown[] };
  pieces: Piece[];
}

export interface StepResult {
  /** Raw SSE text to send now, in order. */
  release: string[];
  /** Set when a scan blocked: send an error event and end the stream. */
  blocked?: ScanResult;
}

export class StreamGuard {
  private readonly queue: Queued[] = [];
  private readonly choices = new Map<number, Choice>();
  /** The most severe verdict and every scan, for the log line at the end of the stream. */
  verdict: ScanResult['verdict'] = 'allow';
  scans = 0;

  constructor(private readonly opts: StreamGuardOptions) {}

  /** Queues events as they arrive; their text joins the accumulators. */
  push(events: readonly SseEvent[]): void {
    for (const event of events) {
      const q: Queued = { event, pieces: [] };
      if (event.data !== undefined && event.data !== '[DONE]') {
        try {
          q.json = JSON.parse(event.data);
        } catch {
          // Not JSON: passed on as it is, carrying no text to scan.
        }
        q.json?.choices?.forEach((c, slot) => {
          const found = choiceTextOf(this.opts.endpoint, c, 'stream');
          if (!found?.text) return;
          const choice = this.choice(found.index);
          q.pieces.push({ choice: found.index, slot, start: choice.text.length, end: choice.text.length + found.text.length });
          choice.text += found.text;
        });
      }
      this.queue.push(q);
    }
  }

  /** Scans what is due (everything when `final`), then releases what may be sent. */
  async step(final = false): Promise<StepResult> {
    for (const [, choice] of this.choices) {
      const fresh = choice.text.length - choice.scanned;
      if (fresh === 0 || (!final && fresh < this.opts.scanIntervalChars)) continue;
      const from = Math.max(0, choice.scanned - this.opts.overlapChars);
      const result = await this.opts.scan(choice.text.slice(from));
      this.scans++;
      choice.scanned = choice.text.length;
      if (result.verdict === 'block') {
        this.verdict = 'block';
        return { release: [], blocked: result };
      }
      if (rank(result.verdict) > rank(this.verdict)) this.verdict = result.verdict;
      if (result.verdict === 'redact') addCuts(choice, result, from);
    }
    return { release: this.release(final) };
  }

  private release(final: boolean): string[] {
    const out: string[] = [];
    while (this.queue.length) {
      const q = this.queue[0];
      const ready = q.pieces.every((p) => {
        const c = this.choices.get(p.choice)!;
        return p.end <= (final ? c.scanned : c.scanned - this.opts.holdBackChars);
      });
      if (!ready) break;
      this.queue.shift();
      out.push(this.rewrite(q));
    }
    return out;
  }

  /** The event as received, or rebuilt with the redacted text of its pieces. */
  private rewrite(q: Queued): string {
    let changed = false;
    const texts = q.pieces.map((p) => {
      const c = this.choices.get(p.choice)!;
      c.released = p.end;
      const text = applyCuts(c.text, p.start, p.end, c.cuts);
      if (text !== c.text.slice(p.start, p.end)) changed = true;
      return text;
    });
    if (!changed) return q.event.raw;
    const choices = [...q.json!.choices!];
    q.pieces.forEach((p, i) => (choices[p.slot] = withChoiceText(this.opts.endpoint, choices[p.slot], texts[i], 'stream')));
    return `data: ${JSON.stringify({ ...q.json, choices })}\n\n`;
  }

  private choice(index: number): Choice {
    let c = this.choices.get(index);
    if (!c) this.choices.set(index, (c = { text: '', scanned: 0, released: 0, cuts: [] }));
    return c;
  }
}

const RANK = { allow: 0, flag: 1, redact: 2, block: 3 } as const;
const rank = (v: ScanResult['verdict']) => RANK[v];

/** Redacted spans of a window become cuts of the accumulator. Text already sent cannot be taken
 *  back: a span that started there is cut from the first unsent character on. */
function addCuts(choice: Choice, result: ScanResult, offset: number): void {
  for (const f of result.findings) {
    if (!f.replacement) continue;
    for (const s of f.spans) {
      const start = Math.max(offset + s.start, choice.released);
      const end = offset + s.end;
      if (end <= start || choice.cuts.some((c) => c.start <= start && c.end >= end)) continue;
      choice.cuts.push({ start, end, placeholder: f.replacement });
    }
  }
}

/** The text of [start, end) of `text` with the cuts applied: a cut's placeholder appears in the
 *  piece where the cut starts; the characters it covers are dropped from every piece. */
export function applyCuts(text: string, start: number, end: number, cuts: readonly Cut[]): string {
  const mine = cuts.filter((c) => c.start < end && c.end > start).sort((a, b) => a.start - b.start);
  if (mine.length === 0) return text.slice(start, end);
  let out = '';
  let pos = start;
  for (const c of mine) {
    // A cut that starts before `pos` began in an earlier piece or overlaps the previous cut,
    // whose placeholder already stands for it.
    if (c.start >= pos) out += text.slice(pos, c.start) + c.placeholder;
    pos = Math.max(pos, Math.min(c.end, end));
  }
  return out + text.slice(pos, end);
}
