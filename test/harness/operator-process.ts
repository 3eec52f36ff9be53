// Runs the operator as a real process (operator/main.ts through tsx) against a test cluster, and
// makes the least-privilege identity it runs as in a cluster: a kubeconfig with a token of the
// ServiceAccount that deploy/rbac/operator.yaml binds.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, spawnNode } from './scanner-process.js';
import { freePort, waitFor } from './servers.js';

export interface OperatorProcess {
  child: ChildProcess;
  metricsUrl: string;
  logs(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** A metric's value from /metrics (summed over label sets that contain `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startOperator(opts: { kubeconfig: string; args?: string[]; env?: Record<string, string>; waitReady?: boolean }): Promise<OperatorProcess> {
  const port = await freePort();
  const { child, exited, output } = spawnNode(['--import', 'tsx', join(REPO_ROOT, 'operator', 'main.ts'), '--kubeconfig', opts.kubeconfig, '--metrics-addr', `127.0.0.1:${port}`, ...(opts.args ?? [])], opts.env);
  const metricsUrl = `http://127.0.0.1:${port}`;
  const proc: OperatorProcess = {
    child,
    metricsUrl,
    logs: output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    metric: async (name, labels = {}) => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    },
  };
  if (opts.waitReady !== false) {
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}`);
          return (await fetch(`${metricsUrl}/readyz`)).ok;
        },
        90_000, // loading client-node alone takes seconds of CPU; more on a busy machine
        'operator /readyz',
      );
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${output()}`);
    }
  }
  return proc;
}

/** A kubeconfig that authenticates as a ServiceAccount (token from the TokenRequest API). */
/** The parts of a test cluster (test/harness/cluster.ts) this needs. */
interface ClusterAccess {
  server: string;
  caFile: string;
  kubectl(args: string[], opts?: { input?: string }): Promise<{ stdout: string }>;
}

/** Applies CRDs (files, or YAML text) and waits until each is Established. (`kubectl wait` fails
 *  outright when it looks before the CRD has any status, so this polls.) */
export async function installCrds(cluster: ClusterAccess, sources: Array<{ file: string } | { yaml: string }>): Promise<void> {
  const names: string[] = [];
  for (const source of sources) {
    const { stdout } = 'file' in source ? await cluster.kubectl(['apply', '--server-side', '-o', 'name', '-f', source.file]) : await cluster.kubectl(['apply', '--server-side', '-o', 'name', '-f', '-'], { input: source.yaml });
    names.push(...stdout.trim().split('\n'));
  }
  for (const name of names) {
    await waitFor(
      async () => (await cluster.kubectl(['get', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])).stdout === 'True',
      30_000,
      `${name} Established`,
    );
  }
}

export async function serviceAccountKubeconfig(cluster: ClusterAccess, namespace: string, serviceAccount: string, file: string): Promise<string> {
  const { stdout: token } = await cluster.kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration=2h']);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: cluster.server, 'certificate-authority-data': readFileSync(cluster.caFile).toString('base64') } }],
    users: [{ name: serviceAccount, user: { token: token.trim() } }],
    contexts: [{ name: 'operator', context: { cluster: 'test', user: serviceAccount, namespace } }],
    'current-context': 'operator',
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}
