// Incremental Server-Sent Events framing: bytes in, whole events out, each with its raw text (passed
// on unchanged) and its joined `data:` lines. Events end at a blank line (LF, CRLF or CR).
const BOUNDARY = /\r\n\r\n|\n\n|\r\r/g;
const LINE = /\r\n|\n|\r/;

export interface SseEvent {
  /** The event as received, including its terminating blank line. */
  raw: string;
  /** Its `data:` lines joined by "\n"; undefined for comments and events without data. */
  data?: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';

  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  /** What is left when the stream ends: a last event without its blank line, if any. */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drain();
    if (this.buffer.trim()) events.push(parseEvent(`${this.buffer}\n\n`));
    this.buffer = '';
    return events;
  }

  private drain(): SseEvent[] {
    const events: SseEvent[] = [];
    let from = 0;
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(this.buffer); m; m = BOUNDARY.exec(this.buffer)) {
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (m[0] === '\r\r' && m.index + 2 === this.buffer.length) break;
      events.push(parseEvent(this.buffer.slice(from, m.index + m[0].length)));
      from = m.index + m[0].length;
    }
    this.buffer = this.buffer.slice(from);
    return events;
  }
}

function parseEvent(raw: string): SseEvent {
  let data: string | undefined;
  for (const line of raw.split(LINE)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return { raw, data };
}
