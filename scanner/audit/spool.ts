// The on-disk spool: audit records that could not be written to Postgres wait here, in order,
// until it is back. Append-only segment files of JSON lines (spool-000000000001.jsonl, ...); every
// append is fsynced before the records leave memory, so they survive a crash of the process. Replay
// reads the oldest segment, writes it to Postgres and only then deletes it: a crash in between
// replays the segment again, and the primary key makes the second write a no-op. A crash in the
// middle of an append leaves at most a torn last line, which is skipped and counted.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from './record.js';

const SEGMENT = /^spool-(\d{12})\.jsonl$/;

export const segmentName = (seq: number) => `spool-${String(seq).padStart(12, '0')}.jsonl`;

export function segmentSeq(name: string): number | undefined {
  const m = SEGMENT.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function encodeRecords(records: readonly AuditRecord[]): Buffer {
  let out = '';
  for (const r of records) out += `${JSON.stringify(r)}\n`;
  return Buffer.from(out);
}

/** Records of a segment; lines that do not parse (a torn write) are counted, not returned. */
export function decodeRecords(content: string): { records: AuditRecord[]; corrupt: number } {
  const records: AuditRecord[] = [];
  let corrupt = 0;
  for (const line of content.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as AuditRecord;
      if (typeof r?.id === 'string' && typeof r.time === 'string') records.push(r);
      else corrupt++;
    } catch {
      corrupt++;
    }
  }
  return { records, corrupt };
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** A segment is closed once it reaches this size, so replay deletes the spool piece by piece. */
  segmentBytes?: number;
}

export class Spool {
  /** seq → size in bytes, oldest first. */
  private readonly segments = new Map<number, number>();
  private current: { seq: number; handle: FileHandle } | undefined;
  private nextSeq = 1;
  private total = 0;
  private tail: Promise<void> = Promise.resolve();
  readonly stats = { corrupt: 0 };

  constructor(private readonly opts: SpoolOptions) {
    mkdirSync(opts.dir, { recursive: true });
    const found = readdirSync(opts.dir)
      .map((n) => ({ n, seq: segmentSeq(n) }))
      .filter((s): s is { n: string; seq: number } => s.seq !== undefined)
      .sort((a, b) => a.seq - b.seq);
    for (const s of found) {
      const size = statSync(join(opts.dir, s.n)).size;
      this.segments.set(s.seq, size);
      this.total += size;
      this.nextSeq = s.seq + 1;
    }
  }

  get bytes(): number {
    return this.total;
  }

  get empty(): boolean {
    return this.segments.size === 0;
  }

  /** Appends records durably; false (nothing written) when they would exceed the size limit.
   *  Appends run one after the other, whoever calls. */
  append(records: readonly AuditRecord[]): Promise<boolean> {
    const run = this.tail.then(() => this.appendNow(records));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async appendNow(records: readonly AuditRecord[]): Promise<boolean> {
    if (!records.length) return true;
    const buf = encodeRecords(records);
    if (this.total + buf.length > this.opts.maxBytes) return false;
    if (!this.current) {
      // A new segment for each process: after a crash the old ones may end with a torn line.
      const seq = this.nextSeq++;
      const handle = await open(join(this.opts.dir, segmentName(seq)), 'a');
      syncDir(this.opts.dir);
      this.current = { seq, handle };
      this.segments.set(seq, 0);
    }
    const { seq, handle } = this.current;
    await handle.write(buf);
    await handle.datasync();
    const size = this.segments.get(seq)! + buf.length;
    this.segments.set(seq, size);
    this.total += buf.length;
    if (size >= (this.opts.segmentBytes ?? 4 * 1024 * 1024)) await this.seal();
    return true;
  }

  /** The oldest segment's records (sealing it if it is the one being appended to). */
  async oldest(): Promise<{ seq: number; records: AuditRecord[] } | undefined> {
    await this.tail;
    const seq = this.segments.keys().next().value;
    if (seq === undefined) return undefined;
    if (this.current?.seq === seq) await this.seal();
    const { records, corrupt } = decodeRecords(await readFile(join(this.opts.dir, segmentName(seq)), 'utf8'));
    this.stats.corrupt += corrupt;
    return { seq, records };
  }

  /** Deletes a segment once all its records are in Postgres. */
  async remove(seq: number): Promise<void> {
    await unlink(join(this.opts.dir, segmentName(seq))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.total -= this.segments.get(seq) ?? 0;
    this.segments.delete(seq);
  }

  private async seal(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.handle.close();
  }

  async close(): Promise<void> {
    await this.tail;
    await this.seal();
  }
}

/** Makes a new file's directory entry durable. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the data itself is synced.
  }
}
