// Finds encoded segments in normalised text and decodes them, so that what an attacker hid in
// base64, hex, URL-encoding, escapes, rot13 or reversed text is scanned like plain text.
// Each decoder only accepts output that reads as text; random tokens, hashes and keys decode to
// binary noise and are left alone.
import { isUtf8 } from 'node:buffer';

export type EncodingKind = 'base64' | 'hex' | 'url' | 'escape' | 'rot13' | 'reversed';

export interface Decoded {
  kind: EncodingKind;
  /** Range of the encoded segment in the text that was searched. */
  start: number;
  end: number;
  text: string;
}

const BASE64 = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX_RUN = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])/g;
const HEX_SEPARATED = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :,-]){7,}[0-9A-Fa-f]{2}(?![0-9A-Fa-f])/g;
const HEX_ESCAPED = /(?:\\x[0-9A-Fa-f]{2}){4,}/g;
const UNICODE_ESCAPED = /(?:\\u[0-9A-Fa-f]{4}|\\u\{[0-9A-Fa-f]{1,6}\}){4,}/g;
const HTML_ENTITIES = /(?:&#(?:x[0-9A-Fa-f]{1,6}|[0-9]{1,7});){4,}/g;
const URL_ENCODED = /[^\s%]*(?:%[0-9A-Fa-f]{2}[^\s%]*){3,}/g;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Share of characters that are letters, digits, spaces or common punctuation, and of letters. */
function readable(text: string): boolean {
  if (text.length < 4) return false;
  let good = 0;
  let letters = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c > 0xbf) {
      letters++;
      good++;
    } else if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) good++;
  }
  const n = [...text].length;
  return good / n >= 0.95 && letters / n >= 0.5;
}

function fromBytes(buf: Buffer): string | undefined {
  if (!isUtf8(buf)) return undefined;
  const text = utf8.decode(buf);
  return readable(text) ? text : undefined;
}

function decodeBase64(s: string): string | undefined {
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  // A plain word or identifier is not base64: require a mix of character classes.
  if (!/[A-Z]/.test(body) || !/[a-z]/.test(body)) return undefined;
  return fromBytes(Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

const decodeHex = (s: string) => fromBytes(Buffer.from(s.replace(/[^0-9A-Fa-f]/g, ''), 'hex'));

function decodeEscapes(s: string): string | undefined {
  const text = s
    .replace(/\\x([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\u\{([0-9A-Fa-f]{1,6})\}|\\u([0-9A-Fa-f]{4})/g, (_, a?: string, b?: string) => safeFromCodePoint(parseInt(a ?? b!, 16)))
    .replace(/&#x([0-9A-Fa-f]{1,6});|&#([0-9]{1,7});/g, (_, a?: string, b?: string) => safeFromCodePoint(a ? parseInt(a, 16) : parseInt(b!, 10)));
  return readable(text) ? text : undefined;
}

function safeFromCodePoint(cp: number): string {
  return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
}

function decodeUrl(s: string): string | undefined {
  try {
    const text = decodeURIComponent(s.replace(/\+/g, ' '));
    return text !== s && readable(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

// Words that make up a large share of any English sentence and of prompt-injection payloads.
const COMMON = new Set(
  'the and you your to of a is in that it for are be this with not all now from will what tell me say ignore previous instructions instruction prompt system rules do can as on or i my an any no must'.split(' '),
);

export function rot13(text: string): string {
  return text.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

const reverse = (text: string) => [...text].reverse().join('');

// The common words as they read in rot13 and backwards: counting those in the text tells what
// the transformed text would score without building it (lower-casing and splitting on non-letters
// commute with both transforms).
const COMMON_ROT13 = new Set([...COMMON].map(rot13));
const COMMON_REVERSED = new Set([...COMMON].map(reverse));
const LONGEST_COMMON = Math.max(...[...COMMON].map((w) => w.length));

// Whole-text transforms are only worth trying on text that reads as gibberish.
const MAX_TRANSFORM_CHARS = 4000;

function wholeTextTransforms(text: string): Decoded[] {
  if (text.length < 12 || text.length > MAX_TRANSFORM_CHARS) return [];
  let plain = 0;
  let rotated = 0;
  let reversed = 0;
  // The words are the runs of a–z in the lower-cased text; only short ones can be common words.
  const lower = text.toLowerCase();
  for (let i = 0, start = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    if (c >= 97 && c <= 122) continue;
    if (i > start && i - start <= LONGEST_COMMON) {
      const w = lower.slice(start, i);
      if (COMMON.has(w)) plain++;
      if (COMMON_ROT13.has(w)) rotated++;
      if (COMMON_REVERSED.has(w)) reversed++;
    }
    start = i + 1;
  }
  const worth = (hits: number) => hits >= 3 && hits >= 2 * plain + 2;
  const out: Decoded[] = [];
  if (worth(rotated)) out.push({ kind: 'rot13', start: 0, end: text.length, text: rot13(text) });
  if (worth(reversed)) out.push({ kind: 'reversed', start: 0, end: text.length, text: reverse(text) });
  return out;
}

// Character classes of the ASCII range as bit flags.
const BASE64_CHAR = 1;
const HEX_CHAR = 2;
const HEX_SEPARATOR = 4;
const CLASS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') CLASS[c.charCodeAt(0)] |= BASE64_CHAR;
for (const c of '0123456789ABCDEFabcdef') CLASS[c.charCodeAt(0)] |= HEX_CHAR | HEX_SEPARATOR;
for (const c of ' :,-') CLASS[c.charCodeAt(0)] |= HEX_SEPARATOR;

/** Longest runs of base64-alphabet characters, of hex digits, and of hex digits with separators:
 *  the base64 and hex patterns need at least 16, 16 and 23 of them in a row, which most text never
 *  has, so one pass over the text spares running their regular expressions. */
function longestRuns(text: string): { base64: number; hex: number; hexSeparated: number } {
  let base64 = 0;
  let hex = 0;
  let hexSeparated = 0;
  let b = 0;
  let h = 0;
  let hs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? CLASS[c] : 0;
    b = k & BASE64_CHAR ? b + 1 : 0;
    h = k & HEX_CHAR ? h + 1 : 0;
    hs = k & HEX_SEPARATOR ? hs + 1 : 0;
    if (b > base64) base64 = b;
    if (h > hex) hex = h;
    if (hs > hexSeparated) hexSeparated = hs;
  }
  return { base64, hex, hexSeparated };
}

/** Every decodable segment of `text`, in order of position, at most `limit` of them. */
export function findEncoded(text: string, limit = 16): Decoded[] {
  const out: Decoded[] = [];
  const scan = (re: RegExp, kind: EncodingKind, decode: (s: string) => string | undefined, worthTrying: boolean) => {
    if (!worthTrying) return;
    re.lastIndex = 0;
    for (let m = re.exec(text); m && out.length < limit; m = re.exec(text)) {
      const decoded = decode(m[0]);
      if (decoded !== undefined) out.push({ kind, start: m.index, end: m.index + m[0].length, text: decoded });
    }
  };
  const runs = longestRuns(text);
  scan(BASE64, 'base64', decodeBase64, runs.base64 >= 16);
  scan(HEX_RUN, 'hex', decodeHex, runs.hex >= 16);
  scan(HEX_SEPARATED, 'hex', decodeHex, runs.hexSeparated >= 23);
  scan(HEX_ESCAPED, 'escape', decodeEscapes, text.includes('\\x'));
  scan(UNICODE_ESCAPED, 'escape', decodeEscapes, text.includes('\\u'));
  scan(HTML_ENTITIES, 'escape', decodeEscapes, text.includes('&#'));
  scan(URL_ENCODED, 'url', decodeUrl, text.includes('%'));
  for (const d of wholeTextTransforms(text)) if (out.length < limit) out.push(d);
  return out.sort((a, b) => a.start - b.start);
}
