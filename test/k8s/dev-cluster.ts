// `npm run dev:cluster`: a real etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 for
// working on the operator and the Helm chart. Builds the binaries first when needed
// (test/k8s/setup.sh), writes <repo>/.cache/kubeconfig, and runs until Ctrl-C or SIGTERM.
//
//   npm run dev:cluster                      keep state in .cache/dev-cluster/ across restarts
//   npm run dev:cluster -- --fresh           wipe .cache/dev-cluster/ first
//   npm run dev:cluster -- --port 6443       fixed kube-apiserver port (default: last one, else free)
//   npm run dev:cluster -- --no-controller-manager
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, k8sVersions, startCluster } from '../harness/cluster.js';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    port: { type: 'string' },
    'no-controller-manager': { type: 'boolean', default: false },
  },
});

const say = (msg: string): void => void process.stderr.write(`[dev:cluster] ${msg}\n`);

const setup = spawnSync('bash', [path.join(REPO_ROOT, 'test/k8s/setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (setup.status !== 0) {
  say(`test/k8s/setup.sh failed (exit ${setup.status ?? setup.signal})`);
  process.exit(1);
}
const binDir = setup.stdout.trim().split('\n').pop() as string;

const dir = path.join(REPO_ROOT, '.cache', 'dev-cluster');
if (values.fresh) rmSync(dir, { recursive: true, force: true });

const cluster = await startCluster({
  dir,
  binDir,
  port: values.port ? Number(values.port) : undefined,
  controllerManager: !values['no-controller-manager'],
  handleSignals: false,
  log: say,
});

const kubeconfig = path.join(REPO_ROOT, '.cache', 'kubeconfig');
copyFileSync(cluster.kubeconfig, kubeconfig);
const v = k8sVersions();

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    await cluster.stop();
    say('stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
// `kill <npm pid>` ends npm and its `sh -c` but does not reach tsx or this process (npm does not
// forward SIGTERM), so also stop when any process we were started from goes away.
const ancestors: number[] = [];
for (let pid = process.ppid; pid > 1 && ancestors.length < 16; ) {
  ancestors.push(pid);
  try {
    pid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
  } catch {
    break;
  }
}
setInterval(() => {
  for (const pid of ancestors) {
    try {
      process.kill(pid, 0);
    } catch {
      say(`parent process ${pid} is gone`);
      void shutdown(0);
      return;
    }
  }
}, 1000).unref();
void cluster.died.then((why) => {
  say(`a component died: ${why}`);
  void shutdown(1);
});

process.stdout.write(
  [
    '',
    `Kubernetes ${v.kubernetes} (etcd ${v.etcd}, helm ${v.helm}) is up at ${cluster.server}` +
      (values['no-controller-manager'] ? ' (no kube-controller-manager)' : ''),
    'No nodes, kubelet, scheduler or kube-proxy: Pods are created but stay Pending.',
    '',
    `  export KUBECONFIG=${kubeconfig}`,
    `  export PATH=${binDir}:$PATH`,
    '',
    `  kubectl: ${path.join(binDir, 'kubectl')}`,
    `  helm:    ${path.join(binDir, 'helm')}`,
    `  state:   ${dir} (logs in ${cluster.logDir}; --fresh to wipe)`,
    '',
    'Ctrl-C or SIGTERM stops it.',
    '',
  ].join('\n'),
);
