// Detection quality of the rule packs alone on a labelled JSONL file (text, label 1 = attack, source,
// and optionally kind and lang): TPR and FPR at the default threshold, overall, per source, kind,
// language and length bucket, and how often each rule fires on attacks and on benign rows.
//
//   npx tsx bench/rules-quality.ts [data.jsonl] [--threshold 0.5] [--show fp|fn] [--rules]
//
// The default data file is ../shared/data/train.jsonl next to the repository.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRulesDetector } from '../scanner/detectors/rules.js';
import { normalise } from '../scanner/normalise/normalise.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threshold: { type: 'string', default: '0.5' },
    show: { type: 'string' },
    rules: { type: 'boolean', default: false },
  },
});
const threshold = Number(values.threshold);
const file = positionals[0] ?? resolve(fileURLToPath(new URL('../', import.meta.url)), '../shared/data/train.jsonl');
if (!existsSync(file)) {
  console.error(`no data at ${file}; pass the path of a JSONL file with text, label and source`);
  process.exit(2);
}

interface Row {
  text: string;
  label: 0 | 1;
  source: string;
  kind?: string;
  lang?: string;
}
const rows: Row[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row);

const detector = createRulesDetector();
interface Tally {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}
const tally = () => ({ tp: 0, fn: 0, fp: 0, tn: 0 });
const overall = tally();
const bySource = new Map<string, Tally>();
const byKind = new Map<string, Tally>();
const byLang = new Map<string, Tally>();
const byLength = new Map<string, Tally>();
const ruleHits = new Map<string, { attack: number; benign: number }>();
const bucket = (n: number) => (n < 100 ? '<100' : n < 300 ? '100-299' : n < 1000 ? '300-999' : n < 3000 ? '1000-2999' : '>=3000');

for (const row of rows) {
  const input = normalise(row.text);
  let score = 0;
  for (const f of detector.detect(input)) score = Math.max(score, f.score);
  const fired = new Set(detector.matches(input).map((m) => m.rule.id));
  for (const id of fired) {
    const h = ruleHits.get(id) ?? { attack: 0, benign: 0 };
    if (row.label === 1) h.attack++;
    else h.benign++;
    ruleHits.set(id, h);
  }
  const flagged = score >= threshold;
  const key = row.label === 1 ? (flagged ? 'tp' : 'fn') : flagged ? 'fp' : 'tn';
  for (const t of [overall, getOr(bySource, row.source), getOr(byLength, bucket(row.text.length))]) t[key]++;
  if (row.kind !== undefined) getOr(byKind, row.kind)[key]++;
  if (row.lang !== undefined) getOr(byLang, row.lang)[key]++;
  if ((values.show === 'fp' && key === 'fp') || (values.show === 'fn' && key === 'fn'))
    console.log(`${key.toUpperCase()} ${score.toFixed(2)} ${row.source} [${[...fired].join(', ')}] ${JSON.stringify(row.text.slice(0, 300))}`);
}

function getOr(m: Map<string, Tally>, k: string): Tally {
  let t = m.get(k);
  if (!t) m.set(k, (t = tally()));
  return t;
}

const pct = (a: number, b: number) => (b === 0 ? '    -' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
const line = (name: string, t: Tally) =>
  `${name.padEnd(34)} attacks ${String(t.tp + t.fn).padStart(5)}  TPR ${pct(t.tp, t.tp + t.fn)}   benign ${String(t.fp + t.tn).padStart(5)}  FPR ${pct(t.fp, t.fp + t.tn)}`;

console.log(`rules ${detector.version} (${detector.rules.length} rules) on ${file}, threshold ${threshold}`);
console.log(line('overall', overall));
for (const [title, groups] of [['source', bySource], ['kind', byKind], ['language', byLang]] as const) {
  if (groups.size === 0) continue;
  console.log(`\nper ${title}`);
  for (const [k, t] of [...groups].sort()) console.log(line(`  ${k}`, t));
}
console.log('\nper length (characters)');
for (const k of ['<100', '100-299', '300-999', '1000-2999', '>=3000']) if (byLength.has(k)) console.log(line(`  ${k}`, byLength.get(k)!));
if (values.rules) {
  console.log('\nrule hits (attack rows / benign rows)');
  for (const r of detector.rules) {
    const h = ruleHits.get(r.id) ?? { attack: 0, benign: 0 };
    console.log(`  ${r.id.padEnd(44)} w=${r.weight.toFixed(2)}  ${String(h.attack).padStart(5)} / ${String(h.benign).padStart(4)}`);
  }
}
