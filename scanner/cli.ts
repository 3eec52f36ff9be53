#!/usr/bin/env node
// prompt-firewall scan "text" | scan --file prompts.jsonl | echo text | scan
// prompt-firewall serve [--config policy.yaml] [--port 8080] [--host 0.0.0.0]
// prompt-firewall canary [--json]
// Exit codes of scan: 0 when every text is allowed or flagged/redacted, 2 when any is blocked,
// 1 on a usage or configuration error — so a CI pipeline can gate on it.
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/load.js';
import { Firewall } from './firewall.js';
import { serve } from './http/server.js';
import { proxyRoutes } from './proxy/routes.js';
import { createLogger } from './log.js';
import { Observability } from './observability/observability.js';
import { startTracing, stopTracing } from './observability/tracing.js';
import { PACKAGE_VERSION } from './paths.js';
import { parseScanRequest, type ScanRequest } from './scan/request.js';
import type { ScanResult } from './scan/scanner.js';

const USAGE = `prompt-firewall ${PACKAGE_VERSION}

Usage:
  prompt-firewall scan [TEXT] [--file FILE.jsonl] [--json] [--direction prompt|response] [--config FILE]
      Scans TEXT, or each line of FILE (JSON objects with "input" or "messages", or plain text),
      or standard input. Exit code 0: allowed, flagged or redacted; 2: blocked; 1: error.
  prompt-firewall serve [--config FILE] [--port N] [--host ADDR]
      Starts the HTTP service (defaults: PORT or 8080, HOST or 0.0.0.0). With proxy.upstream
      (PF_PROXY_UPSTREAM) set it is also an OpenAI-compatible firewall in front of that server.
  prompt-firewall canary [--json] [--config FILE]
      Prints a fresh canary token and a line to paste into a system prompt; a response that
      contains it is blocked. Uses the same key as the server (proxy.canary.key).

Configuration: --config or PF_CONFIG names a YAML/JSON policy file (a PromptFirewall spec);
environment variables such as PF_POLICY_MODE=monitor override single fields.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  if (command === '--version') {
    process.stdout.write(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  try {
    if (command === 'scan') return await scanCommand(rest);
    if (command === 'serve') return await serveCommand(rest);
    if (command === 'canary') return await canaryCommand(rest);
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`prompt-firewall: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
  process.stderr.write(`prompt-firewall: unknown command "${command}"\n\n${USAGE}\n`);
  return 1;
}

async function scanCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      json: { type: 'boolean', default: false },
      direction: { type: 'string', default: 'prompt' },
      config: { type: 'string', short: 'c' },
    },
  });
  const direction = values.direction === 'response' ? 'response' : 'prompt';
  const fw = await Firewall.create({ configFile: values.config ?? process.env.PF_CONFIG });
  const limits = fw.policy.policy.limits;
  let blocked = false;
  let failed = false;
  const emit = (result: ScanResult, label?: string) => {
    if (result.verdict === 'block') blocked = true;
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : humanReadable(result, label));
  };
  try {
    if (values.file) {
      let n = 0;
      const lines = createInterface({ input: createReadStream(values.file), crlfDelay: Infinity });
      for await (const line of lines) {
        n++;
        if (!line.trim()) continue;
        let req: ScanRequest;
        try {
          req = toRequest(line, direction, limits);
        } catch (err) {
          failed = true;
          process.stderr.write(`${values.file}:${n}: ${(err as Error).message}\n`);
          continue;
        }
        emit(await fw.scanner.scan(req), `${values.file}:${n}`);
      }
    } else {
      const text = positionals.length ? positionals.join(' ') : readFileSync(0, 'utf8');
      emit(await fw.scanner.scan(parseScanRequest({ input: text, direction }, limits)));
    }
  } finally {
    await fw.close();
  }
  return blocked ? 2 : failed ? 1 : 0;
}

/** A JSONL line is a scan request object, or a JSON string, or else plain text. */
function toRequest(line: string, direction: 'prompt' | 'response', limits: Parameters<typeof parseScanRequest>[1]): ScanRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    doc = line;
  }
  if (typeof doc === 'string') return parseScanRequest({ input: doc, direction }, limits);
  if (doc && typeof doc === 'object' && 'text' in doc && !('input' in doc)) {
    return parseScanRequest({ input: (doc as { text: unknown }).text, direction }, limits);
  }
  return parseScanRequest({ direction, ...(doc as object) }, limits);
}

function humanReadable(r: ScanResult, label?: string): string {
  const head = `${label ? `${label}: ` : ''}${r.verdict.toUpperCase()} score=${r.score.toFixed(2)}${r.policyVerdict && r.policyVerdict !== r.verdict ? ` (enforce would: ${r.policyVerdict})` : ''}`;
  const lines = [head];
  for (const f of r.findings) {
    const where = f.spans.map((s) => `${s.message !== undefined ? `m${s.message}:` : ''}${s.start}-${s.end}`).join(',');
    lines.push(`  ${f.category.padEnd(16)} ${f.score.toFixed(2)}  ${f.detector}${f.rule ? `/${f.rule}` : ''}  ${f.message}${where ? `  @${where}` : ''}`);
  }
  if (typeof r.redacted === 'string') lines.push(`  redacted: ${r.redacted}`);
  for (const e of r.errors ?? []) lines.push(`  error: ${e.detector}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}

async function canaryCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, config: { type: 'string', short: 'c' } } });
  const fw = await Firewall.create({ configFile: values.config ?? process.env.PF_CONFIG });
  try {
    const issued = fw.canaries.issue();
    process.stdout.write(values.json ? `${JSON.stringify(issued)}\n` : `${issued.canary}\n\nPaste into the system prompt:\n${issued.instruction}\n`);
    if (fw.canaryKeySource === 'ephemeral') process.stderr.write('prompt-firewall: warning: no canary key configured and none could be stored; this canary is recognised by no other process\n');
  } finally {
    await fw.close();
  }
  return 0;
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  });
  const log = createLogger('scanner');
  const configFile = values.config ?? process.env.PF_CONFIG;
  const fw = await Firewall.create({
    configFile,
    stateful: true,
    watch: true,
    log,
    onReload: (e) => (e.ok ? log.info({ policyVersion: e.policyVersion }, 'policy reloaded') : log.error({ err: e.error.message }, 'policy reload rejected; keeping the previous policy')),
  });
  if (!process.env.LOG_LEVEL) log.level = fw.configuration.observability.logLevel;
  const tracing = await startTracing();
  const obs = new Observability(fw, log);
  for (const source of fw.statSources()) obs.addSource(source);
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  const host = values.host ?? process.env.HOST ?? '0.0.0.0';
  const running = await serve(fw, log, {
    port,
    host,
    shutdownDelayMs: Number(process.env.PF_SHUTDOWN_DELAY_MS ?? 0),
    shutdownTimeoutMs: Number(process.env.PF_SHUTDOWN_TIMEOUT_MS ?? 25_000),
    routes: { ...proxyRoutes(fw, log), ...obs.routes() },
    middleware: [obs.middleware],
  }).catch(async (err: unknown) => {
    // Cannot listen (port taken, address not available): release what keeps the process alive
    // (audit writer, caches, timers) so it exits with the error instead of lingering.
    obs.close();
    await Promise.all([fw.close(), stopTracing()]);
    throw err;
  });
  if (fw.canaryKeySource === 'ephemeral') log.warn('no canary key configured (proxy.canary.key) and none could be stored: canaries verify only in this process');
  log.info(
    {
      url: running.url,
      policyVersion: fw.policy.version,
      mode: fw.policy.policy.mode,
      config: configFile ?? 'embedded defaults',
      upstream: fw.configuration.proxy.upstream ?? null,
      tracing,
    },
    'prompt firewall listening',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      void running
        .shutdown()
        .then(() => {
          obs.close();
          return stopTracing();
        })
        .then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => fw.reload());
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`prompt-firewall: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
