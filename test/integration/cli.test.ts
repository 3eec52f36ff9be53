import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, cliArgs, spawnNode } from '../harness/scanner-process.js';

const dir = mkdtempSync(join(tmpdir(), 'pf-cli-'));
const blockInvisible = join(dir, 'block.yaml');
writeFileSync(blockInvisible, 'policy:\n  categories:\n    invisible_text: {action: block}\n');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, cliArgs(...args), { cwd: REPO_ROOT, input, encoding: 'utf8', env: { ...process.env, PF_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI', () => {
  it('scan TEXT exits 0 for an allowed text and prints a human-readable verdict', () => {
    const r = cli(['scan', 'What is the capital of France?']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW score=0\.00/);
  });

  it('exits 0 for a flagged text and 2 for a blocked one', () => {
    assert.equal(cli(['scan', 'hi\u200bthere']).code, 0);
    const blocked = cli(['scan', '--config', blockInvisible, 'hi\u200bthere']);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stdout, /^BLOCK/);
    assert.match(blocked.stdout, /invisible_text/);
  });

  it('--json prints one machine-readable result', () => {
    const r = cli(['scan', '--json', 'hello']);
    const result = JSON.parse(r.stdout);
    assert.equal(result.verdict, 'allow');
    assert.equal(result.cache, 'miss');
  });

  it('reads the text from standard input', () => {
    const r = cli(['scan', '--config', blockInvisible, '--json'], 'from\u200bstdin');
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).verdict, 'block');
  });

  it('--file scans JSONL line by line, one result per line, and exits 2 when any is blocked', () => {
    const file = join(dir, 'prompts.jsonl');
    writeFileSync(file, ['{"input": "fine"}', '"a\u200bb"', '{"text": "dataset row", "label": 0}', '', 'plain text line', '{"messages": [{"role": "user", "content": "x"}]}'].join('\n'));
    const r = cli(['scan', '--config', blockInvisible, '--json', '--file', file]);
    assert.equal(r.code, 2);
    const verdicts = r.stdout.trim().split('\n').map((l) => JSON.parse(l).verdict);
    assert.deepEqual(verdicts, ['allow', 'block', 'allow', 'allow', 'allow']);
  });

  it('reports a bad line of a file with its line number and exits 1', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"input": "ok"}\n{"input": 5}\n');
    const r = cli(['scan', '--file', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.jsonl:2: input: /);
  });

  it('serve exits 1 with the reason when its port is taken, instead of lingering with its audit writer running', { timeout: 60_000 }, async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = String((taken.address() as { port: number }).port);
    const data = mkdtempSync(join(tmpdir(), 'pf-cli-serve-'));
    // The audit writer (here retrying a Postgres that is not there) used to keep the process alive.
    const { exited, output } = spawnNode(cliArgs('serve', '--host', '127.0.0.1', '--port', port), { PF_CONFIG: '', PF_DATA_DIR: data, PF_AUDIT_POSTGRES_URL: `postgres://nobody@127.0.0.1:${port}/x`, LOG_LEVEL: 'warn' });
    const code = await exited;
    taken.close();
    assert.equal(code, 1, output());
    assert.match(output(), /EADDRINUSE/);
  });

  it('exits 1 with a clear message on a bad configuration or usage', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'policy:\n  failMode: ajar\n');
    const r = cli(['scan', '--config', bad, 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid configuration in .*bad\.yaml: policy\.failMode/);
    assert.equal(cli(['frobnicate']).code, 1);
    assert.equal(cli(['scan', '--bogus']).code, 1);
    assert.equal(cli([]).code, 1);
    assert.equal(cli(['--help']).code, 0);
  });
});
