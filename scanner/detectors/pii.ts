// Personal data: e-mail addresses, phone numbers, US social security numbers, payment cards, IBANs
// and IP addresses. Each finding carries a typed placeholder for redaction. Candidates come from
// linear-time regexes and are then checked in code (Luhn, IIN ranges, IBAN mod-97, SSN rules,
// digit counts), which is what keeps order numbers, versions and dates out.
//
// Scores: 0.95 for checksummed numbers (card, IBAN), 0.9 e-mail and dashed SSN, 0.8–0.85 phone
// numbers in an unambiguous shape and public IP addresses; shapes that are often something else
// (space-separated digit groups, private IP addresses) score below the default threshold of 0.8
// unless a word such as "phone" or "SSN" stands just before them.
import { isIPv6 } from 'node:net';
import { entityDetector, resolveOverlaps, type EntityMatch } from './entities.js';

type Entity = 'email' | 'phone' | 'us_ssn' | 'credit_card' | 'iban' | 'ipv4' | 'ipv6';

const PLACEHOLDER: Record<Entity, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  us_ssn: '[SSN]',
  credit_card: '[CREDIT_CARD]',
  iban: '[IBAN]',
  ipv4: '[IP_ADDRESS]',
  ipv6: '[IP_ADDRESS]',
};
const LABEL: Record<Entity, string> = {
  email: 'e-mail address',
  phone: 'phone number',
  us_ssn: 'US social security number',
  credit_card: 'payment card number',
  iban: 'IBAN',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
};

interface Candidate {
  entity: Entity;
  start: number;
  end: number;
  score: number;
}

/** Words that just before a number say what it is. */
const PHONE_CONTEXT = /(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact|reach me|t[ée]l[ée]phone|telefon|tel[ée]fono|telefone|handy|cellulare|celular|portable|n[uú]mero|nummer)\b[^\d]{0,12}$/i;
const SSN_CONTEXT = /(?:ssn|social security|soc\.? ?sec|tax ?id|itin)\b[^\d]{0,16}$/i;
// Dotted numbers after these words are versions or section numbers, not addresses.
const VERSION_CONTEXT = /(?:version|ver\.?|release|build|rev|firmware|v|sections?|sec\.|§|chapter|clause|step)[\s[(]*$/i;
const hasContext = (re: RegExp, text: string, at: number) => re.test(text.slice(Math.max(0, at - 40), at));

// --- e-mail ----------------------------------------------------------------------------------

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![\w-])/g;
// "icon@2x.png" and "file@v2.json" are file names.
const FILE_EXTENSIONS = new Set('png jpg jpeg gif svg webp ico bmp tif tiff css scss js mjs cjs ts tsx jsx json lock yaml yml txt md html htm xml pdf zip gz'.split(' '));

function emails(text: string, out: Candidate[]): void {
  if (!text.includes('@')) return;
  EMAIL.lastIndex = 0;
  for (let m = EMAIL.exec(text); m; m = EMAIL.exec(text)) {
    if (FILE_EXTENSIONS.has(m[1].toLowerCase())) continue;
    out.push({ entity: 'email', start: m.index, end: m.index + m[0].length, score: 0.9 });
  }
}

// --- phone numbers ---------------------------------------------------------------------------

const INTERNATIONAL = /(?<![\w+])\+\d[\d ().-]{6,22}\d(?!\w)(?![.-]\d)/g;
const NANP = /(?<![\w+.-])(?:1[ .-]?)?(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)([-. ]))\d{3}([-. ])\d{4}(?![\w])(?![.-]\d)/g;
const TRUNK = /(?<![\w+.,/-])0\d{1,4}(?:[ -]\d{2,8}){1,4}(?![\w])(?![.,/-]\d)/g;
// Five pairs, not inside a longer run of pairs (a hex dump: "08 00 00 00 00 00 28 13").
const FRENCH = /(?<![\w+.-])(?<![0-9A-Fa-f]{2} )0[1-9](?:([ .])\d\d)(?:\1\d\d){3}(?![\w])(?![.-]\d)(?! [0-9A-Fa-f]{2}\b)/g;

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Separators of an international number: single, with at most one parenthesised area code. */
function wellFormedInternational(s: string): boolean {
  if (/[ .-]{2}|[.-][ .-]|\(\)/.test(s.replace(/\) /g, ')'))) return false;
  const open = s.indexOf('(');
  if (open < 0) return !s.includes(')');
  return /^\(\d{1,4}\)$/.test(s.slice(open, s.indexOf(')') + 1)) && s.indexOf('(', open + 1) < 0;
}

function phones(text: string, out: Candidate[]): void {
  INTERNATIONAL.lastIndex = 0;
  if (text.includes('+'))
    for (let m = INTERNATIONAL.exec(text); m; m = INTERNATIONAL.exec(text)) {
      const digits = countDigits(m[0]);
      if (digits < 8 || digits > 15 || !wellFormedInternational(m[0])) continue;
      out.push({ entity: 'phone', start: m.index, end: m.index + m[0].length, score: 0.85 });
    }
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m; m = NANP.exec(text)) {
    // (555) 123-4567 is a phone number; 555 123 4567 might be three quantities.
    const parens = m[1] !== undefined;
    const sep = m[3];
    if (!parens && sep !== m[4]) continue;
    const spaced = !parens && sep === ' ';
    const score = spaced ? (hasContext(PHONE_CONTEXT, text, m.index) ? 0.85 : 0.6) : parens ? 0.85 : 0.8;
    out.push({ entity: 'phone', start: m.index, end: m.index + m[0].length, score });
  }
  FRENCH.lastIndex = 0;
  for (let m = FRENCH.exec(text); m; m = FRENCH.exec(text))
    out.push({ entity: 'phone', start: m.index, end: m.index + m[0].length, score: 0.8 });
  TRUNK.lastIndex = 0;
  for (let m = TRUNK.exec(text); m; m = TRUNK.exec(text)) {
    const digits = countDigits(m[0]);
    if (digits < 9 || digits > 12) continue;
    const score = hasContext(PHONE_CONTEXT, text, m.index) ? 0.85 : 0.7;
    out.push({ entity: 'phone', start: m.index, end: m.index + m[0].length, score });
  }
}

// --- US social security numbers ----------------------------------------------------------------

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_BARE = /(?<![\d-])(\d{3})(\d{2})(\d{4})(?![\d-])/g;
const SSN_WORD = /ssn|social security|soc\.? ?sec|tax ?id|itin/i;

/** Area not 000, 666 or 9xx; group not 00; serial not 0000. */
const validSsn = (area: string, group: string, serial: string) =>
  area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';

function ssns(text: string, out: Candidate[]): void {
  SSN.lastIndex = 0;
  for (let m = SSN.exec(text); m; m = SSN.exec(text)) {
    if (!validSsn(m[1], m[3], m[4])) continue;
    const context = hasContext(SSN_CONTEXT, text, m.index);
    const score = context ? 0.95 : m[2] === '-' ? 0.9 : 0.75;
    out.push({ entity: 'us_ssn', start: m.index, end: m.index + m[0].length, score });
  }
  // Nine bare digits are an order number unless the text says otherwise right before them.
  if (!SSN_WORD.test(text)) return;
  SSN_BARE.lastIndex = 0;
  for (let m = SSN_BARE.exec(text); m; m = SSN_BARE.exec(text))
    if (validSsn(m[1], m[2], m[3]) && hasContext(SSN_CONTEXT, text, m.index))
      out.push({ entity: 'us_ssn', start: m.index, end: m.index + m[0].length, score: 0.85 });
}

// --- payment cards -----------------------------------------------------------------------------

const CARD = /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d])(?![.,-]\d)/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, alt = false; i >= 0; i--, alt = !alt) {
    let d = digits.charCodeAt(i) - 48;
    if (alt) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Card schemes by issuer prefix (IIN) and the lengths they issue. */
function knownIssuer(d: string): boolean {
  const len = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return len === 13 || len === 16 || len === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return len === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) return len >= 16; // Discover
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14; // Diners Club
  if (p4 >= 3528 && p4 <= 3589) return len >= 16; // JCB
  if (p2 === 62) return len >= 16; // UnionPay
  if (p4 >= 2200 && p4 <= 2204) return len >= 16; // Mir
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4)) return len >= 13; // Maestro
  return false;
}

function cards(text: string, out: Candidate[]): void {
  CARD.lastIndex = 0;
  for (let m = CARD.exec(text); m; m = CARD.exec(text)) {
    const raw = m[0];
    const seps = raw.replace(/\d/g, '');
    // One kind of separator, between groups of at least three digits ("4111 1111 1111 1111", "3782 822463 10005").
    if (seps && (seps !== seps[0].repeat(seps.length) || raw.split(seps[0]).some((g) => g.length < 3))) continue;
    const digits = raw.replace(/\D/g, '');
    if (!knownIssuer(digits) || !luhn(digits)) continue;
    out.push({ entity: 'credit_card', start: m.index, end: m.index + raw.length, score: 0.95 });
  }
}

// --- IBAN --------------------------------------------------------------------------------------

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])/g;
// Lengths from the SWIFT IBAN registry.
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19,
  SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

function mod97(iban: string): number {
  const s = iban.slice(4) + iban.slice(0, 4);
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c <= 57 ? c - 48 : c - 55; // '0'-'9' → 0-9, 'A'-'Z' → 10-35
    r = v > 9 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

function ibans(text: string, out: Candidate[]): void {
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
    const length = IBAN_LENGTH[m[0].slice(0, 2)];
    if (length === undefined) continue;
    // The match may run into a following word in capitals; the country fixes the length.
    let end = 0;
    let compact = '';
    for (; end < m[0].length && compact.length < length; end++) if (m[0][end] !== ' ') compact += m[0][end];
    if (compact.length < length || /[A-Z0-9]/.test(m[0][end] ?? ' ') || mod97(compact) !== 1) continue;
    out.push({ entity: 'iban', start: m.index, end: m.index + end, score: 0.95 });
    IBAN.lastIndex = m.index + end;
  }
}

// --- IP addresses ------------------------------------------------------------------------------

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Not after "-" or "@", nor before "-rc", ".in-addr" or "](": "WinPython-64bit-3.4.2.4", "v8@3.14.5.9",
// "1.2.3.4-rc.1" are versions and "[11.6.2.2](…)" is a linked section number.
const IPV4 = new RegExp(`(?<![\\w.@-])${OCTET}(?:\\.${OCTET}){3}(?!\\w)(?!\\.\\w)(?!-[A-Za-z])(?!\\]\\()(/\\d{1,2}(?!\\d))?`, 'g');
const IPV6 = /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)([0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?)(?![\w:])(\/\d{1,3}(?!\d))?/g;
// Addresses that identify no one: resolvers everyone uses.
const WELL_KNOWN_V4 = new Set(['8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '208.67.222.222', '208.67.220.220']);

/** Private, loopback, link-local, shared, documentation, benchmarking, multicast and reserved ranges. */
function internalV4(o: number[]): boolean {
  const [a, b, c] = o;
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || (a === 198 && (b === 18 || b === 19)) ||
    (a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)
  );
}

// A network in CIDR notation ("10.0.0.0/8", "2001:470::/32") identifies no one.
function ips(text: string, out: Candidate[]): void {
  if (text.includes('.')) {
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(text); m; m = IPV4.exec(text)) {
      if (hasContext(VERSION_CONTEXT, text, m.index)) continue;
      const address = m[1] ? m[0].slice(0, -m[1].length) : m[0];
      const internal = m[1] !== undefined || WELL_KNOWN_V4.has(address) || internalV4(address.split('.').map(Number));
      out.push({ entity: 'ipv4', start: m.index, end: m.index + address.length, score: internal ? 0.5 : 0.8 });
    }
  }
  if (text.includes(':')) {
    IPV6.lastIndex = 0;
    for (let m = IPV6.exec(text); m; m = IPV6.exec(text)) {
      const a = m[1];
      if (!isIPv6(a)) continue;
      // "::" alone, or "dead::beef": too little to be an address someone wrote on purpose.
      const groups = a.split(':').filter(Boolean).length;
      if (!/\d/.test(a) || (a.includes('::') ? groups < 2 : groups < 8)) continue;
      // Loopback, mapped, link-local, unique-local, documentation, benchmarking, NAT64, multicast.
      const internal = m[2] !== undefined || /^(?:::1$|::ffff:|fe[89ab]|f[cd]|2001:0?db8:|2001:0?2:|64:ff9b:|ff)/.test(a.toLowerCase());
      out.push({ entity: 'ipv6', start: m.index, end: m.index + a.length, score: internal ? 0.5 : 0.8 });
    }
  }
}

// --- the detector ------------------------------------------------------------------------------

/** Every piece of personal data in one text, overlaps resolved in favour of the most certain. */
export function findPii(text: string): EntityMatch[] {
  const out: Candidate[] = [];
  emails(text, out);
  if (/\d/.test(text)) {
    phones(text, out);
    ssns(text, out);
    cards(text, out);
    ibans(text, out);
    ips(text, out);
  }
  return resolveOverlaps(out).map((c) => ({ ...c, rule: c.entity, placeholder: PLACEHOLDER[c.entity], label: LABEL[c.entity] }));
}

export const piiDetector = entityDetector('pii', 'pii', findPii);
