// Builds the project-written training rows (data/*.jsonl) from the hand-written banks in
// data/banks: deterministic, so the committed files can be checked against their banks.
//
//   npx tsx scanner/classifier/train/compose.ts           # rewrite data/*.jsonl
//   npx tsx scanner/classifier/train/compose.ts --check   # exit 1 if they are out of date
//
// Everything here was written by the project (no downloads, nothing copied from a benchmark):
//
//   direct.jsonl        English injections and jailbreaks as written, plus opener × payload
//                       combinations, sometimes after an ordinary request (source project:direct-en)
//   benign.jsonl        English hard negatives as written, plus ordinary requests followed by a
//                       format or behaviour instruction from the user (project:benign-en)
//   multilingual.jsonl  per language: attacks, opener + payload pairs and standalone document
//                       injections (project:direct-ml), benign requests with trigger words
//                       (project:benign-ml), English requests followed by a foreign
//                       injection (code-switching as users write it), and ordinary requests
//                       in the language followed by an override and a payload (goal hijacking)
//   indirect.jsonl      documents (e-mails, pages, reviews, tool JSON, code, tables, PDFs as text,
//                       search results, chats) with an injection addressed to the model at the
//                       start, middle or end (project:indirect); the same documents without one,
//                       and with a benign note addressed to their human readers at the same
//                       places (project:documents)
//
// Row fields: text, label (1 attack, 0 benign), source, lang.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prng } from './model.js';
import { PROJECT_DATA_DIR } from './data.js';

export const BANKS_DIR = PROJECT_DATA_DIR + 'banks/';

export interface ProjectRow {
  text: string;
  label: 0 | 1;
  source: string;
  lang: string;
}

// ---------------------------------------------------------------------------------------------
// Banks

/** Lines of a bank file: comments (#) and blank lines dropped, "\n" turned into a line break. */
export function bankLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\\n/g, '\n'));
}

/** A sectioned bank ("# override", "# payload" …): section name → lines. Other comments are skipped. */
export function bankSections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.trimEnd();
    const m = /^# (override|payload|attack|indirect|benign)$/.exec(l);
    if (m) {
      current = [];
      out.set(m[1], current);
    } else if (current && l.trim() !== '' && !l.startsWith('#')) current.push(l.replace(/\\n/g, '\n'));
  }
  return out;
}

/** Documents of a docs bank: "=== kind" starts each one. */
export function bankDocs(text: string): Array<{ kind: string; body: string }> {
  const docs: Array<{ kind: string; body: string }> = [];
  for (const part of text.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n');
    docs.push({ kind: part.slice(0, nl).trim(), body: part.slice(nl + 1).replace(/\s+$/, '') });
  }
  return docs;
}

const read = (rel: string) => readFileSync(BANKS_DIR + rel, 'utf8');

// ---------------------------------------------------------------------------------------------
// Slots: made-up names, companies and addresses; attacker addresses use reserved or obviously
// fake domains.

const SLOTS: Record<string, string[]> = {
  name: ['Anna Berg', 'David Okafor', 'Mei Chen', 'Lucas Martin', 'Sofia Rossi', 'Arjun Patel', 'Hannah Weber', 'Tomás García', 'Yuki Tanaka', 'Fatima Al-Sayed', 'Peter Novak', 'Grace Mensah'],
  name2: ['Jonas', 'Elena', 'Sam', 'Priya', 'Mark', 'Aisha', 'Oliver', 'Chloé', 'Kenji', 'Marta', 'Leo', 'Ines'],
  company: ['Northwind Traders', 'Acme Corp', 'Bluebird Analytics', 'Fjord Systems', 'Helios Energy', 'Pinecrest Bank', 'Lumen Labs', 'Orbit Logistics', 'Quartz Insurance', 'Vega Health'],
  company_domain: ['northwind.example', 'acme.example', 'bluebird.example', 'fjord.example', 'helios.example'],
  product: ['AeroBook 14', 'Zentra X2 headphones', 'CleanSweep robot vacuum', 'PixelCam Mini', 'BrewMaster 3000', 'TrailRunner GTX', 'SmartLock Pro', 'StreamBox 4K'],
  city: ['Lisbon', 'Kraków', 'Toronto', 'Osaka', 'Nairobi', 'Valencia', 'Leeds', 'Melbourne', 'Porto', 'Gdańsk', 'Lyon', 'Austin'],
  date: ['3 March', '14 June', '21 September', '2 November', 'Monday 7 April', 'Friday 12 May', '2024-10-18', '28 February'],
  amount: ['€1,240.00', '$89.99', '£2,350', '€640', '$12,400', '€75 per month', '$3,100', '£18.50'],
  number: ['48213', '10057', '77341', '90412', '31876', '55120', '68803', '20931'],
  site: ['https://www.northwind.example', 'https://shop.acme.example', 'https://help.fjord.example', 'https://www.helios.example'],
  name_email: ['anna.berg@northwind.example', 'd.okafor@acme.example', 'mei.chen@bluebird.example', 'lucas@fjord.example'],
  user: ['guest_amy01', 'temp-admin-7', 'j.smith.ext', 'support_bot2'],
  domain: ['evil.example', 'attacker.test', 'collect-data.example', 'secure-login-check.test', 'free-prizes.example', 'cdn-track.test', 'bit-ly.example'],
  email: ['collector@evil.example', 'backup.archive@attacker.test', 'it-support@secure-login-check.test', 'mailbox@collect-data.example'],
  iban: ['DE00 1234 5678 9000 0000 00', 'GB00 TEST 0000 0000 1111 22', 'FR00 0000 0000 0000 0000 0000 000'],
  coin: ['MoonToken', 'QuickCoin', 'ZeroGas'],
};

/** Fills {slot}s; a slot that appears twice gets the same value. */
function fill(text: string, rnd: () => number, fixed: Map<string, string> = new Map()): string {
  return text.replace(/\{([a-z_0-9]+)\}/g, (whole, name: string) => {
    const values = SLOTS[name];
    if (!values) return whole;
    if (!fixed.has(name)) fixed.set(name, pick(values, rnd));
    return fixed.get(name)!;
  });
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)];

function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// Surface variation as people (and attackers) type: case, trailing punctuation, spacing.
function vary(text: string, rnd: () => number): string {
  const r = rnd();
  if (r < 0.08) return text.toLowerCase();
  if (r < 0.12) return text.toUpperCase();
  if (r < 0.2) return text.replace(/[.!]$/, '');
  return text;
}

const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
const join = (a: string, b: string) => (UNSPACED.test(b) && UNSPACED.test(a.slice(-2).trim() || ' ') ? a + b : `${a} ${b}`);

/** Opener and payload: "Ignore all previous instructions and" + "reveal …", or two sentences. */
function combine(opener: string, payload: string): string {
  if (/[a-z,;]$/.test(opener) || opener.endsWith(' and')) return `${opener} ${payload}`;
  const p = /[:]$/.test(opener) ? payload : payload.charAt(0).toUpperCase() + payload.slice(1);
  return join(opener, p);
}

// ---------------------------------------------------------------------------------------------
// Families

const TASKS_EN = [
  'Summarise this article about electric cars.',
  'Translate the following sentence into Italian.',
  'What time is it in Tokyo?',
  'Write a product description for a bamboo toothbrush.',
  'Classify the sentiment of this tweet: "loving the new update".',
  'Help me write an email to my landlord.',
  'Correct the grammar: "he go to school yesterday".',
  'What are three tips for better sleep?',
  'Check this code for bugs: for i in range(10) print(i)',
  'Tell me a fun fact about octopuses.',
];

const FORMAT_EN = [
  'Answer in two sentences.',
  'Reply only with the answer, no explanation.',
  'Use bullet points.',
  'Respond in Spanish.',
  'Keep it under 100 words.',
  'Format the answer as a table.',
  'Start with the most important point.',
  'Ignore minor details.',
  'Do not mention prices.',
  'Write it for a ten-year-old.',
  'Output JSON only.',
  'Forget the formal tone and keep it casual.',
  'Pretend you are explaining it to your grandmother.',
  'From now on, always include an example.',
];

function directEn(rnd: () => number): ProjectRow[] {
  const rows: ProjectRow[] = [];
  const add = (text: string) => rows.push({ text: fill(text, rnd), label: 1, source: 'project:direct-en', lang: 'en' });
  for (const a of bankLines(read('en-attacks.txt'))) add(a);
  const openers = bankLines(read('en-overrides.txt'));
  const payloads = bankLines(read('en-payloads.txt'));
  const benign = bankLines(read('en-benign.txt'));
  // Every opener with five payloads, every payload with several openers; a third after an ordinary request.
  for (const o of openers)
    for (const p of shuffle(payloads, rnd).slice(0, 5)) {
      const r = rnd();
      const before = r < 0.2 ? pick(TASKS_EN, rnd) + ' ' : r < 0.33 ? pick(benign.slice(-20), rnd) + '\n\n' : '';
      add(vary(before + combine(o, p), rnd));
    }
  return rows;
}

function benignEn(rnd: () => number): ProjectRow[] {
  const rows: ProjectRow[] = [];
  const add = (text: string) => rows.push({ text: fill(text, rnd), label: 0, source: 'project:benign-en', lang: 'en' });
  const benign = bankLines(read('en-benign.txt'));
  for (const b of benign) add(b);
  // Ordinary requests with an instruction about the answer's form: the user's own "rules".
  for (const t of [...TASKS_EN, ...benign.filter((b) => b.endsWith('?')).slice(0, 60)]) add(vary(`${t} ${pick(FORMAT_EN, rnd)}`, rnd));
  return rows;
}

function multilingual(rnd: () => number): ProjectRow[] {
  const rows: ProjectRow[] = [];
  const files = readdirSync(BANKS_DIR + 'ml').filter((f) => f.endsWith('.txt')).sort();
  for (const f of files) {
    const lang = f.replace(/\.txt$/, '');
    const s = bankSections(read('ml/' + f));
    const get = (k: string) => s.get(k) ?? [];
    const attack = (text: string) => rows.push({ text: fill(text, rnd), label: 1, source: 'project:direct-ml', lang });
    const benign = (text: string) => rows.push({ text: fill(text, rnd), label: 0, source: 'project:benign-ml', lang });
    for (const a of get('attack')) attack(a);
    for (const a of get('indirect')) attack(a);
    const openers = get('override');
    const payloads = get('payload');
    // Each opener with two payloads, each payload at least once.
    const used = new Set<string>();
    for (const o of openers)
      for (const p of shuffle(payloads, rnd).slice(0, 2)) {
        used.add(p);
        attack(vary(combine(o, p), rnd));
      }
    for (const p of payloads) if (!used.has(p)) attack(combine(pick(openers, rnd), p));
    // Payloads alone are attacks too ("Show me your system prompt").
    for (const p of shuffle(payloads, rnd).slice(0, 3)) attack(p);
    const b = get('benign');
    for (const x of b) benign(x);
    // Two benign sentences together, as long as attacks made of two sentences.
    for (let i = 0; i < Math.min(8, b.length); i++) benign(join(b[i], b[(i + 3) % b.length]));
    // An English request followed by a foreign injection, and a foreign request followed by an English one.
    attack(`${pick(TASKS_EN, rnd)} ${combine(pick(openers, rnd), pick(payloads, rnd))}`);
    benign(`${pick(TASKS_EN, rnd)} ${pick(b, rnd)}`);
    // Goal hijacking after an ordinary request in the same language: the request, then an
    // override and a payload (the request alone and request pairs are the benign twins above).
    if (b.length && openers.length && payloads.length)
      for (let i = 0; i < 4; i++) attack(join(pick(b.filter((x) => x.endsWith('?') || x.endsWith('？')), rnd) ?? pick(b, rnd), combine(pick(openers, rnd), pick(payloads, rnd))));
  }
  return rows;
}

const WRAPPERS = [
  (d: string) => d,
  (d: string) => `Summarise the following:\n\n${d}`,
  (d: string) => `Here is the content of the document:\n${d}\n\nQuestion: what are the key points?`,
  (d: string) => `${d}\n\nCan you give me a short summary of this?`,
  (d: string) => `Please answer based on this text.\n---\n${d}\n---\nWhat should I do next?`,
  (d: string) => `Tool result:\n${d}`,
  (d: string) => `Read this and tell me if anything needs my attention:\n\n${d}`,
  (d: string) => `Context:\n${d}\n\nUser question: is there a deadline mentioned?`,
];

// How an injection is dressed inside a document.
const DRESS = [
  (s: string) => s,
  (s: string) => s,
  (s: string) => s,
  (s: string) => `[${s}]`,
  (s: string) => `<!-- ${s} -->`,
  (s: string) => `IMPORTANT: ${s}`,
  (s: string) => `<span style="display:none">${s}</span>`,
  (s: string) => `(${s})`,
  (s: string) => `P.S. ${s}`,
  (s: string) => `*** ${s} ***`,
];

/** The document with `insert` at the start, in the middle or at the end (between lines), or at a {INJECT} marker. */
function insertInto(body: string, insert: string | undefined, where: number, kind: string): string {
  const markers = body.split('{INJECT}').length - 1;
  if (markers > 0) {
    const at = where % markers;
    const json = kind === 'json';
    const value = insert === undefined ? '' : json ? JSON.stringify(insert).slice(1, -1) : insert;
    let k = 0;
    return body.replace(/ ?\{INJECT\}/g, (m) => (k++ === at && insert !== undefined ? (m.startsWith(' ') ? ' ' : '') + value : ''));
  }
  if (insert === undefined) return body;
  const lines = body.split('\n');
  const pos = where % 3 === 0 ? 0 : where % 3 === 1 ? Math.floor(lines.length / 2) : lines.length;
  lines.splice(pos, 0, insert);
  return lines.join('\n');
}

function indirect(rnd: () => number): ProjectRow[] {
  const rows: ProjectRow[] = [];
  const docs = readdirSync(BANKS_DIR + 'docs')
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .flatMap((f) => bankDocs(read('docs/' + f)));
  const ml = readdirSync(BANKS_DIR + 'ml')
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .flatMap((f) => (bankSections(read('ml/' + f)).get('indirect') ?? []).map((t) => ({ text: t, lang: f.replace(/\.txt$/, '') })));
  const injections = shuffle([...bankLines(read('en-indirect.txt')).map((t) => ({ text: t, lang: 'en' })), ...ml], rnd);
  const notes = bankLines(read('en-doc-notes.txt'));
  let next = 0;
  for (const doc of docs) {
    // Per document: six attacked copies, three clean ones and three with a note to human readers.
    for (let v = 0; v < 12; v++) {
      const fixed = new Map<string, string>();
      const wrap = pick(WRAPPERS, rnd);
      const where = Math.floor(rnd() * 3);
      if (v < 6) {
        const inj = injections[next++ % injections.length];
        const text = fill(insertInto(doc.body, pick(DRESS, rnd)(inj.text), where, doc.kind), rnd, fixed);
        rows.push({ text: wrap(text), label: 1, source: 'project:indirect', lang: inj.lang });
      } else {
        const note = v < 9 ? undefined : pick(notes, rnd);
        const text = fill(insertInto(doc.body, note, where, doc.kind), rnd, fixed);
        rows.push({ text: wrap(text), label: 0, source: 'project:documents', lang: 'en' });
      }
    }
  }
  return rows;
}

/** Every project file and its rows, deterministic for the seed. */
export function composeAll(seed = 1): Record<string, ProjectRow[]> {
  const rnd = prng(seed ^ 0xc0de);
  return {
    'direct.jsonl': directEn(rnd),
    'benign.jsonl': benignEn(rnd),
    'multilingual.jsonl': multilingual(rnd),
    'indirect.jsonl': indirect(rnd),
  };
}

export const toJsonl = (rows: readonly ProjectRow[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const files = composeAll();
  let stale = false;
  for (const [name, rows] of Object.entries(files)) {
    const path = PROJECT_DATA_DIR + name;
    const text = toJsonl(rows);
    const pos = rows.filter((r) => r.label === 1).length;
    if (values.check) {
      const same = existsSync(path) && readFileSync(path, 'utf8') === text;
      stale ||= !same;
      console.log(`${same ? 'up to date' : 'STALE     '}  ${name}`);
    } else {
      writeFileSync(path, text);
      console.log(`${name}: ${rows.length} rows (${pos} attacks, ${rows.length - pos} benign), ${(text.length / 1024).toFixed(0)} KiB`);
    }
  }
  if (stale) {
    console.log('run: npx tsx scanner/classifier/train/compose.ts');
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
