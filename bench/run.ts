// npm run bench [-- --quick] [--only scanner,tracing] [--name readme] [--source]
//
// Runs the suites of bench/suites.ts, prints a report that compares the figures with the targets
// of the brief (PASS/FAIL per line), and writes bench/results/<name>.json and .md. The full mode
// runs the scanner from dist/ (built first) for the README figures; --quick (under a minute on an
// idle machine) runs shorter loads from the TypeScript sources and writes to bench/results/tmp/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/harness/scanner-process.js';
import { loadCorpus } from './lib/corpus.js';
import type { BenchContext, Check, Row, SuiteResult } from './suite.js';
import { SUITES } from './suites.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    name: { type: 'string' },
    source: { type: 'boolean', default: false },
  },
});

const fmt = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

function rowsTable(rows: Row[]): string {
  return [
    '| scenario | load | scans/s | p50 ms | p95 ms | p99 ms | max ms | server p50/p99 ms | errors | CPU % | RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.load} | ${fmt(r.throughput, 0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max, 1)} | ${r.serverP50 === undefined ? '–' : `${fmt(r.serverP50, 3)} / ${fmt(r.serverP99, 3)}`} | ${fmt(100 * r.errorRate, 2)}% | ${fmt(r.cpuPercent, 0)} | ${fmt(r.rssPeakMB, 0)} |`,
    ),
  ].join('\n');
}

function checksTable(checks: Check[]): string {
  return [
    '| target (brief) | required | measured | result |',
    '|---|---|---|---|',
    ...checks.map((c) => `| ${c.what} | ${c.target} | ${c.measured} | ${c.pass === null ? 'n/a' : c.pass ? 'PASS' : '**FAIL**'} |`),
  ].join('\n');
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const quick = values.quick!;
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !SUITES.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}; suites: ${SUITES.map((s) => s.name).join(', ')}`);
  const compiled = !quick && !values.source;
  const started = new Date();
  const log = (m: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${m}\n`);
  if (compiled) {
    log('building dist/ (npm run build)');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const corpus = loadCorpus();
  const ctx: BenchContext = { quick, compiled, corpus, log, shared: {} };
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };

  const results: Array<{ name: string; title: string; skipped?: string; result?: SuiteResult; seconds: number }> = [];
  for (const suite of SUITES) {
    if (only && !only.includes(suite.name)) continue;
    const available = suite.available?.(ctx) ?? true;
    if (available !== true) {
      results.push({ name: suite.name, title: suite.title, skipped: available, seconds: 0 });
      log(`${suite.name}: skipped (${available})`);
      continue;
    }
    log(`${suite.name}: ${suite.title}`);
    const t0 = Date.now();
    try {
      results.push({ name: suite.name, title: suite.title, result: await suite.run(ctx), seconds: (Date.now() - t0) / 1000 });
    } catch (err) {
      log(`${suite.name} failed: ${(err as Error).stack}`);
      results.push({ name: suite.name, title: suite.title, result: { rows: [], checks: [{ what: `${suite.name} suite`, target: 'runs', measured: (err as Error).message, pass: false }], notes: [] }, seconds: (Date.now() - t0) / 1000 });
    }
  }

  const loadAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
  const command = `npm run bench${quick ? ' -- --quick' : ''}${only ? ` ${quick ? '' : '-- '}--only ${only.join(',')}` : ''}`;
  const checks = results.flatMap((r) => r.result?.checks ?? []);
  const md: string[] = [
    `# Benchmark ${quick ? '(quick)' : '(full)'} — ${started.toISOString()}`,
    '',
    `\`${command}\` at ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' (with uncommitted changes)' : ''}; ${machine.cores} × ${machine.cpu}, ${machine.memoryGB} GB, Node ${machine.node}.`,
    `Load average (1/5/15 min) at start ${machine.loadAverageAtStart.join(' / ')}, at end ${loadAtEnd.join(' / ')}${machine.loadAverageAtStart[0] > machine.cores * 0.5 ? ' — **the machine was busy: figures are noisy**' : ''}. Corpus: ${corpus.source} (${corpus.texts.length} texts).`,
    '',
    '## Targets',
    '',
    checksTable(checks),
  ];
  for (const r of results) {
    md.push('', `## ${r.title} (\`${r.name}\`)`, '');
    if (r.skipped) {
      md.push(`Skipped: ${r.skipped}.`);
      continue;
    }
    if (r.result!.rows.length) md.push(rowsTable(r.result!.rows), '');
    for (const t of r.result!.tables ?? []) md.push(t, '');
    for (const n of r.result!.notes) md.push(n.startsWith('```') || n.startsWith('|') ? n : `- ${n}`);
  }
  const report = `${md.join('\n')}\n`;
  process.stdout.write(`\n${report}`);

  // Quick runs are for routine checks: kept out of git (bench/results/tmp/) unless named.
  const dir = join(REPO_ROOT, 'bench', 'results', quick && !values.name ? 'tmp' : '');
  mkdirSync(dir, { recursive: true });
  const name = values.name ?? `${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}`;
  writeFileSync(join(dir, `${name}.md`), report);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ started: started.toISOString(), command, quick, compiled, machine, loadAverageAtEnd: loadAtEnd, corpus: corpus.source, suites: results }, null, 2)}\n`);
  log(`wrote ${dir.slice(REPO_ROOT.length + 1)}/${name}.md and .json`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
