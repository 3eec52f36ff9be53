// Benchmarks that live with other parts of the project (detection quality from the classifier's
// eval command, the operator's reconcile timings, Redis/Postgres-backed scanners) run as commands;
// each is one entry in bench/suites.ts and joins the report when its entry point exists. Their
// output is kept; a line that is a JSON object with "checks" (and "rows") joins the targets table.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/harness/scanner-process.js';
import type { BenchContext, Check, Row, Suite, SuiteResult } from '../suite.js';

export interface ExternalSuite {
  name: string;
  title: string;
  /** A file (relative to the repository) or `npm:<script>` that must exist for the suite to run. */
  needs: string;
  command(ctx: BenchContext): string[];
  /** Also run in --quick mode (default: full mode only, to keep quick runs under a minute). */
  quick?: boolean;
  timeoutMs?: number;
}

function present(needs: string): boolean {
  if (!needs.startsWith('npm:')) return existsSync(join(REPO_ROOT, needs));
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  return needs.slice(4) in scripts;
}

export function externalSuite(e: ExternalSuite): Suite {
  return {
    name: e.name,
    title: e.title,
    available: (ctx) => (!ctx.quick || e.quick ? present(e.needs) || `${e.needs} is not in this checkout yet` : 'full mode only'),
    run: (ctx) =>
      new Promise<SuiteResult>((resolve, reject) => {
        const [cmd, ...args] = e.command(ctx);
        const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PF_BENCH_QUICK: ctx.quick ? '1' : '' } });
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        child.stderr!.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGTERM'), e.timeoutMs ?? 15 * 60_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          const lines = out.trimEnd().split('\n');
          const checks: Check[] = [];
          const rows: Row[] = [];
          for (const line of lines) {
            if (!line.startsWith('{')) continue;
            try {
              const doc = JSON.parse(line) as { checks?: Check[]; rows?: Row[] };
              if (Array.isArray(doc.checks)) checks.push(...doc.checks);
              if (Array.isArray(doc.rows)) rows.push(...doc.rows);
            } catch {
              // not a result line
            }
          }
          if (code !== 0) checks.push({ what: `${e.name} command`, target: 'exits 0', measured: `exit ${code}`, pass: false });
          resolve({ rows, checks, notes: [`\`${e.command(ctx).join(' ')}\`, last lines:`, '```', ...lines.slice(-25), '```'] });
        });
      }),
  };
}
