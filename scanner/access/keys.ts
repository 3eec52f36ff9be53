// API keys, read from a file or a directory (a mounted Secret: one file per key) and re-read
// periodically, so a rotated Secret takes effect without a restart. Only SHA-256 hashes are kept
// in memory; a key may also be written hashed (sha256:<hex>) so the Secret need not hold it in
// clear. A presented key is hashed and compared with every stored hash in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';

export interface KeyEntry {
  /** Names the client in logs and the audit log; never the key. */
  id: string;
  hash: Buffer;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest();

const HASHED = /^sha256:([0-9a-f]{64})$/i;

function entry(id: string | undefined, secret: string): KeyEntry | undefined {
  const value = secret.trim();
  if (!value) return undefined;
  const m = HASHED.exec(value);
  const hash = m ? Buffer.from(m[1], 'hex') : hashKey(value);
  return { id: id || `key-${hash.toString('hex').slice(0, 8)}`, hash };
}

/** Lines "name:key" or "key" (a key containing ":" needs its name); blank lines and # comments skipped. */
export function parseKeyFile(content: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const named = HASHED.test(line) ? null : /^([\w.-]{1,128}):(.+)$/.exec(line);
    const e = named ? entry(named[1], named[2]) : entry(undefined, line);
    if (e) out.push(e);
  }
  return out;
}

/** Reads a key file, or a directory of one key per file (names starting with "." are Kubernetes's). */
export function readKeys(path: string): KeyEntry[] {
  if (!statSync(path).isDirectory()) return parseKeyFile(readFileSync(path, 'utf8'));
  const out: KeyEntry[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.')) continue;
    const file = join(path, name);
    if (!statSync(file).isFile()) continue;
    const e = entry(name, readFileSync(file, 'utf8'));
    if (e) out.push(e);
  }
  return out;
}

export class ApiKeys {
  private entries: KeyEntry[] = [];
  private signature = '';
  private path: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { accepted: 0, refused: 0, reloads: 0 };

  constructor(private readonly log?: Logger) {}

  /** Whether requests must carry a key. True as soon as a path is configured, even if it cannot be
   *  read: an unreadable key file refuses every request rather than open the API. */
  get required(): boolean {
    return this.path !== undefined;
  }

  /** (Re)points at a path; re-read every `reloadSeconds`. Undefined turns authentication off. */
  configure(path: string | undefined, reloadSeconds: number): void {
    if (path === this.path && this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.path = path;
    this.entries = [];
    this.signature = '';
    if (!path) return;
    this.reload();
    this.timer = setInterval(() => this.reload(), reloadSeconds * 1000);
    this.timer.unref();
  }

  reload(): void {
    if (!this.path) return;
    let entries: KeyEntry[];
    try {
      entries = readKeys(this.path);
    } catch (err) {
      if (this.signature !== 'error') this.log?.error({ err: (err as Error).message, path: this.path }, 'cannot read API keys; refusing every request until they can be read');
      this.entries = [];
      this.signature = 'error';
      return;
    }
    const signature = entries.map((e) => `${e.id}=${e.hash.toString('hex')}`).join(',');
    if (signature === this.signature) return;
    this.entries = entries;
    this.signature = signature;
    this.stats.reloads++;
    this.log?.info({ keys: entries.map((e) => e.id), path: this.path }, 'API keys loaded');
  }

  /** The id of the key, or undefined. Compares against every key, so timing says nothing. */
  verify(presented: string | undefined): string | undefined {
    if (!presented) {
      this.stats.refused++;
      return undefined;
    }
    const hash = hashKey(presented);
    let found: string | undefined;
    for (const e of this.entries) if (timingSafeEqual(hash, e.hash) && found === undefined) found = e.id;
    this.stats[found === undefined ? 'refused' : 'accepted']++;
    return found;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
