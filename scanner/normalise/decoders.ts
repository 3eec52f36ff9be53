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

function commonWordHits(text: string): number {
  let hits = 0;
  for (const w of text.toLowerCase().split(/[^a-z]+/)) if (COMMON.has(w)) hits++;
  return hits;
}

export function rot13(text: string): string {
  return text.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

const reverse = (text: string) => [...text].reverse().join('');

// Whole-text transforms are only worth trying on text that reads as gibberish.
const MAX_TRANSFORM_CHARS = 4000;

function wholeTextTransforms(text: string): Decoded[] {
  if (text.length < 12 || text.length > MAX_TRANSFORM_CHARS) return [];
  const plain = commonWordHits(text);
  const out: Decoded[] = [];
  for (const [kind, f] of [
    ['rot13', rot13],
    ['reversed', reverse],
  ] as const) {
    const candidate = f(text);
    const hits = commonWordHits(candidate);
    if (hits >= 3 && hits >= 2 * plain + 2) out.push({ kind, start: 0, end: text.length, text: candidate });
  }
  return out;
}

/** Every decodable segment of `text`, in order of position, at most `limit` of them. */
export function findEncoded(text: string, limit = 16): Decoded[] {
  const out: Decoded[] = [];
  const scan = (re: RegExp, kind: EncodingKind, decode: (s: string) => string | undefined, quick: string | null) => {
    if (quick !== null && !text.includes(quick)) return;
    re.lastIndex = 0;
    for (let m = re.exec(text); m && out.length < limit; m = re.exec(text)) {
      const decoded = decode(m[0]);
      if (decoded !== undefined) out.push({ kind, start: m.index, end: m.index + m[0].length, text: decoded });
    }
  };
  scan(BASE64, 'base64', decodeBase64, null);
  scan(HEX_RUN, 'hex', decodeHex, null);
  scan(HEX_SEPARATED, 'hex', decodeHex, null);
  scan(HEX_ESCAPED, 'escape', decodeEscapes, '\\x');
  scan(UNICODE_ESCAPED, 'escape', decodeEscapes, '\\u');
  scan(HTML_ENTITIES, 'escape', decodeEscapes, '&#');
  scan(URL_ENCODED, 'url', decodeUrl, '%');
  for (const d of wholeTextTransforms(text)) if (out.length < limit) out.push(d);
  return out.sort((a, b) => a.start - b.start);
}
