// A real Kubernetes control plane on loopback for tests and `npm run dev:cluster`: etcd,
// kube-apiserver and (optionally) kube-controller-manager, built from source by
// test/k8s/setup.sh. No kubelet, no scheduler, no kube-proxy: objects are real and stored in etcd,
// controllers run, but no Pod ever runs. See test/k8s/README.md.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, freePort, skipUnless } from './servers.js';

/** Root of this git clone. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S_DIR = path.join(REPO_ROOT, 'test', 'k8s');

/** The programs test/k8s/setup.sh puts in the bin folder. */
export const K8S_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'helm'] as const;

/** Feature gates every cluster is started with (kube-apiserver and kube-controller-manager). */
export const DEFAULT_FEATURE_GATES: Readonly<Record<string, boolean>> = { HPAConfigurableTolerance: true };

const SETUP_HINT = 'run `bash test/k8s/setup.sh` (or `npm run setup:k8s`) to build them';

export interface K8sVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
}

/** Versions pinned in test/k8s/go.mod and test/k8s/helm/go.mod, e.g. { kubernetes: 'v1.37.2', ... }. */
export function k8sVersions(): K8sVersions {
  const modver = (file: string, mod: string): string => {
    const text = readFileSync(path.join(K8S_DIR, file), 'utf8');
    const re = new RegExp(`^\\s*(?:require\\s+)?${mod.replace(/[./]/g, '\\$&')}\\s+(v\\d[^\\s]*)`, 'm');
    const m = re.exec(text);
    if (!m) throw new Error(`no version of ${mod} in test/k8s/${file}`);
    return m[1];
  };
  return {
    kubernetes: modver('go.mod', 'k8s.io/kubernetes'),
    etcd: modver('go.mod', 'go.etcd.io/etcd/server/v3'),
    helm: modver('helm/go.mod', 'helm.sh/helm/v3'),
  };
}

/**
 * Folder holding the binaries, resolved like test/k8s/setup.sh does: $PF_K8S_BIN_DIR, else
 * $PF_K8S_CACHE/bin, else <repo>/.cache/bin (the symlink setup.sh makes), else the default cache
 * folder ${XDG_CACHE_HOME:-~/.cache}/prompt-firewall/k8s-<version>/bin.
 */
export function k8sBinDir(): string {
  if (process.env.PF_K8S_BIN_DIR) return process.env.PF_K8S_BIN_DIR;
  if (process.env.PF_K8S_CACHE) return path.join(process.env.PF_K8S_CACHE, 'bin');
  const linked = path.join(REPO_ROOT, '.cache', 'bin');
  if (existsSync(linked)) return linked;
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || tmpdir(), '.cache');
  return path.join(cacheHome, 'prompt-firewall', `k8s-${k8sVersions().kubernetes}`, 'bin');
}

/** The hash setup.sh writes to <bin>/.stamp: sha256 of go.mod, go.sum, helm/go.mod, helm/go.sum, setup.sh. */
function inputsHash(): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'helm/go.mod', 'helm/go.sum', 'setup.sh']) h.update(readFileSync(path.join(K8S_DIR, f)));
  return h.digest('hex');
}

export interface K8sBinariesStatus {
  binDir: string;
  missing: string[];
  /** The binaries were built from other go.mod/go.sum/setup.sh contents than this clone has. */
  stale: boolean;
}

export function k8sBinariesStatus(binDir = k8sBinDir()): K8sBinariesStatus {
  const missing: string[] = K8S_BINARIES.filter((b) => !existsSync(path.join(binDir, b)));
  if (!findExecutable('openssl')) missing.push('openssl');
  let stale = false;
  if (missing.length === 0) {
    try {
      stale = readFileSync(path.join(binDir, '.stamp'), 'utf8').trim() !== inputsHash();
    } catch {
      stale = true;
    }
  }
  return { binDir, missing, stale };
}

/**
 * For `describe(name, { skip: clusterSkip() }, ...)`: false when the binaries are there and up to
 * date; otherwise a skip message outside CI, and an exception under CI=true.
 */
export function clusterSkip(): string | false {
  const s = k8sBinariesStatus();
  if (s.missing.length > 0) return skipUnless(false, `a Kubernetes control plane (missing ${s.missing.join(', ')} in ${s.binDir})`, SETUP_HINT);
  if (s.stale) return skipUnless(false, `an up-to-date Kubernetes control plane (the binaries in ${s.binDir} were built from an older test/k8s)`, SETUP_HINT);
  return false;
}

export interface ClusterOptions {
  /** Start kube-controller-manager too (Deployments get ReplicaSets, namespaces get default ServiceAccounts, GC runs). Default true. */
  controllerManager?: boolean;
  /**
   * State folder (certificates, etcd data, logs, kubeconfig). Created when missing and kept after
   * stop(), so a second start reuses the certificates, the data and, when still free, the ports.
   * Default: a new temporary folder, removed by stop().
   */
  dir?: string;
  /** kube-apiserver port on 127.0.0.1. Default: the one used last time in `dir` if free, else a free one. */
  port?: number;
  /** More feature gates, merged over DEFAULT_FEATURE_GATES (given to kube-apiserver and kube-controller-manager). */
  featureGates?: Record<string, boolean>;
  /** Extra flags appended to kube-apiserver's command line (a later flag wins). */
  apiserverArgs?: string[];
  /** Extra flags appended to kube-controller-manager's command line. */
  controllerManagerArgs?: string[];
  /** Where the binaries are. Default: k8sBinDir(). */
  binDir?: string;
  /** Until everything is ready. Default 120 s (2 cores shared with other work can be slow). */
  timeoutMs?: number;
  /**
   * Kill the cluster on SIGINT/SIGTERM/SIGHUP, then let the signal do what it would have done.
   * Default true. Pass false when the caller handles the signals itself and calls stop().
   */
  handleSignals?: boolean;
  /** Progress messages. Default: none. */
  log?: (message: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface Cluster {
  /** Path of an admin kubeconfig (user in group system:masters; certificates inline). */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  binDir: string;
  /** State folder: pki/, etcd/, logs/, kubeconfig. */
  dir: string;
  /** Where etcd, kube-apiserver and kube-controller-manager write their output. */
  logDir: string;
  /** http://127.0.0.1:<port> of etcd (no TLS; loopback only). */
  etcdServer: string;
  /** PEM CA file that signed the serving and client certificates (also the cluster-signing CA). */
  caFile: string;
  /** Run kubectl against this cluster; rejects with its stderr on a non-zero exit. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Run helm against this cluster (HELM_*_HOME inside `dir`); rejects with its stderr on a non-zero exit. */
  helm(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /**
   * Resolves with a message (and the end of that component's log) if etcd, kube-apiserver or
   * kube-controller-manager exits while the cluster is meant to be up; never resolves otherwise.
   */
  died: Promise<string>;
  /** Stop all processes (SIGTERM, then SIGKILL after 10 s); remove `dir` if it was a temporary one. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Child processes: remembered here so they die with this process, whatever way it ends.

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

function killAllNow(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
}

function installSignalHooks(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      // Nobody else listens: do what the signal would have done without us.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.once(sig, onSignal);
  }
}

const setpriv = findExecutable('setpriv');

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
  exitInfo?: string;
}

function startProcess(name: string, bin: string, args: string[], logFile: string): Proc {
  const fd = openSync(logFile, 'a');
  // setpriv --pdeathsig: the kernel kills the child even if this process is SIGKILLed.
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
  // detached: own process group, so a terminal's Ctrl-C reaches only us and stop() shuts the
  // components down in order (controller-manager, apiserver, etcd).
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  live.add(child);
  const proc: Proc = { name, child, logFile, exited: Promise.resolve() };
  proc.exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      proc.exitInfo = `could not start: ${err.message}`;
      live.delete(child);
      resolve();
    });
  });
  return proc;
}

async function terminate(proc: Proc | undefined, graceMs = 10_000): Promise<void> {
  if (!proc || proc.exitInfo) return;
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)));
  if (await Promise.race([proc.exited.then(() => false), timedOut])) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  clearTimeout(timer);
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Poll `check` until it returns true; fail at once if the process exits, with the end of its log. */
async function readyWhen(proc: Proc, what: string, check: () => Promise<boolean>, deadline: number): Promise<void> {
  let last: unknown;
  for (;;) {
    if (proc.exitInfo) throw new Error(`${proc.name} ${proc.exitInfo} before ${what}; end of ${proc.logFile}:\n${logTail(proc.logFile)}`);
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}; end of ${proc.logFile}:\n${logTail(proc.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface HttpResult {
  status: number;
  body: string;
}

function httpGet(url: string, tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts = { method: 'GET', timeout: 5000 };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...opts, ca: tls?.ca, cert: tls?.cert, key: tls?.key, rejectUnauthorized: !tls?.insecure })
        : httpRequest(u, opts);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function run(bin: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, env: opts.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) {
          const how = err.killed ? `killed (${err.signal ?? 'timeout'})` : `exit code ${String(err.code)}`;
          reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed, ${how}:\n${stderr || stdout}`));
        } else resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Certificates (openssl; node:crypto cannot issue X.509 certificates).

const SERVICE_CIDR = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';
const CLUSTER_NAME = 'prompt-firewall-test';

interface Pki {
  dir: string;
  caCrt: string;
  caKey: string;
  apiserverCrt: string;
  apiserverKey: string;
  adminCrt: string;
  adminKey: string;
  kcmCrt: string;
  kcmKey: string;
  saKey: string;
  saPub: string;
}

function pkiPaths(dir: string): Pki {
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    caCrt: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCrt: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCrt: p('admin.crt'),
    adminKey: p('admin.key'),
    kcmCrt: p('controller-manager.crt'),
    kcmKey: p('controller-manager.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

async function makePki(dir: string): Promise<Pki> {
  const pki = pkiPaths(dir);
  const files = Object.entries(pki).filter(([k]) => k !== 'dir').map(([, v]) => v);
  if (files.every((f) => existsSync(f))) return pki; // reuse a persistent folder's certificates
  const openssl = findExecutable('openssl');
  if (!openssl) throw new Error(`openssl is not installed: ${SETUP_HINT} (setup.sh installs it)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ossl = (...args: string[]): Promise<RunResult> => run(openssl, args, { cwd: dir });
  const ecKey = (out: string): Promise<RunResult> => ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out);

  await Promise.all([
    ecKey(pki.caKey),
    ecKey(pki.apiserverKey),
    ecKey(pki.adminKey),
    ecKey(pki.kcmKey),
    // RSA for the service-account signer (RS256), as kubeadm does.
    ossl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pki.saKey),
  ]);
  await ossl('pkey', '-in', pki.saKey, '-pubout', '-out', pki.saPub);

  const caCnf = path.join(dir, 'ca.cnf');
  await writeFile(
    caCnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${CLUSTER_NAME}-ca`,
      '[ext]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,digitalSignature,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  await ossl('req', '-x509', '-new', '-sha256', '-days', '3650', '-key', pki.caKey, '-config', caCnf, '-extensions', 'ext', '-out', pki.caCrt);

  const issue = async (name: string, key: string, crt: string, subj: string, ext: string[]): Promise<void> => {
    const csr = path.join(dir, `${name}.csr`);
    const extFile = path.join(dir, `${name}.ext`);
    await writeFile(extFile, ['[ext]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', ...ext, ''].join('\n'));
    await ossl('req', '-new', '-sha256', '-key', key, '-subj', subj, '-out', csr);
    await ossl(
      'x509', '-req', '-sha256', '-days', '3650', '-in', csr, '-CA', pki.caCrt, '-CAkey', pki.caKey, '-set_serial',
      `0x${createHash('sha1').update(name + Date.now() + Math.random()).digest('hex').slice(0, 16)}`,
      '-extfile', extFile, '-extensions', 'ext', '-out', crt,
    );
    await rm(csr);
    await rm(extFile);
  };
  await Promise.all([
    issue('apiserver', pki.apiserverKey, pki.apiserverCrt, '/CN=kube-apiserver', [
      'extendedKeyUsage = serverAuth',
      `subjectAltName = IP:127.0.0.1, DNS:localhost, IP:${KUBERNETES_SERVICE_IP}, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local`,
    ]),
    issue('admin', pki.adminKey, pki.adminCrt, '/O=system:masters/CN=kubernetes-admin', ['extendedKeyUsage = clientAuth']),
    issue('controller-manager', pki.kcmKey, pki.kcmCrt, '/CN=system:kube-controller-manager', ['extendedKeyUsage = clientAuth']),
  ]);
  await rm(caCnf);
  return pki;
}

function kubeconfigYaml(server: string, caCrt: string, userName: string, crt: string, key: string): string {
  const b64 = (f: string): string => readFileSync(f).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CLUSTER_NAME}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caCrt)}`,
    'users:',
    `- name: ${userName}`,
    '  user:',
    `    client-certificate-data: ${b64(crt)}`,
    `    client-key-data: ${b64(key)}`,
    'contexts:',
    `- name: ${CLUSTER_NAME}`,
    '  context:',
    `    cluster: ${CLUSTER_NAME}`,
    `    user: ${userName}`,
    '    namespace: default',
    `current-context: ${CLUSTER_NAME}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Ports from the last start in `dir` when still free (stable kubeconfig for dev), else new ones. */
async function choosePorts(dir: string, wantedApiserver?: number): Promise<Ports> {
  const file = path.join(dir, 'ports.json');
  let previous: Partial<Ports> = {};
  try {
    previous = JSON.parse(await readFile(file, 'utf8')) as Partial<Ports>;
  } catch {
    /* first start */
  }
  const taken = new Set<number>();
  const pick = async (p: number | undefined): Promise<number> => {
    if (p && !taken.has(p) && (await isFree(p))) {
      taken.add(p);
      return p;
    }
    for (;;) {
      const q = await freePort();
      if (!taken.has(q)) {
        taken.add(q);
        return q;
      }
    }
  };
  if (wantedApiserver) {
    if (!(await isFree(wantedApiserver))) throw new Error(`port ${wantedApiserver} on 127.0.0.1 is in use`);
    taken.add(wantedApiserver);
  }
  const ports: Ports = {
    apiserver: wantedApiserver ?? (await pick(previous.apiserver)),
    etcdClient: await pick(previous.etcdClient),
    etcdPeer: await pick(previous.etcdPeer),
    controllerManager: await pick(previous.controllerManager),
  };
  await writeFile(file, JSON.stringify(ports, null, 2) + '\n');
  return ports;
}

/** Start etcd + kube-apiserver (+ kube-controller-manager) on 127.0.0.1 and wait until they are ready. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? ((): void => undefined);
  const binDir = opts.binDir ?? k8sBinDir();
  const status = k8sBinariesStatus(binDir);
  if (status.missing.length > 0) throw new Error(`missing ${status.missing.join(', ')} in ${binDir}: ${SETUP_HINT}`);
  if (status.stale) log(`warning: the binaries in ${binDir} are out of date with test/k8s; ${SETUP_HINT}`);
  const bin = (name: string): string => path.join(binDir, name);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);

  const temporary = !opts.dir;
  const dir = path.resolve(opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'pf-k8s-'))));
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir, { recursive: true });

  installExitHook();
  if (opts.handleSignals !== false) installSignalHooks();

  const procs: Proc[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const p of [...procs].reverse()) await terminate(p);
      if (temporary) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const pki = await makePki(path.join(dir, 'pki'));
    const ports = await choosePorts(dir, opts.port);
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const etcdServer = `http://127.0.0.1:${ports.etcdClient}`;
    const gates = Object.entries({ ...DEFAULT_FEATURE_GATES, ...opts.featureGates })
      .map(([k, v]) => `${k}=${v}`)
      .join(',');

    // etcd ------------------------------------------------------------------------------------
    log(`etcd on ${etcdServer}`);
    const peer = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = startProcess(
      'etcd',
      bin('etcd'),
      [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdServer}`,
        `--advertise-client-urls=${etcdServer}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        '--unsafe-no-fsync', // test data: speed over durability
        '--log-level=warn',
      ],
      path.join(logDir, 'etcd.log'),
    );
    procs.push(etcd);
    await readyWhen(etcd, `etcd ${etcdServer}/health`, async () => {
      const r = await httpGet(`${etcdServer}/health`);
      return r.status === 200 && /"health":\s*"true"/.test(r.body);
    }, deadline);

    // kube-apiserver ----------------------------------------------------------------------------
    log(`kube-apiserver on ${server}`);
    const apiserver = startProcess(
      'kube-apiserver',
      bin('kube-apiserver'),
      [
        `--etcd-servers=${etcdServer}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        '--advertise-address=127.0.0.1',
        // The endpoint reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint,
        // which validation forbids (loopback). There are no pods to use it anyway.
        '--endpoint-reconciler-type=none',
        `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.apiserverCrt}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCrt}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction', // on top of the default set, as kubeadm does
        '--allow-privileged=true',
        // Reach aggregated APIs through endpoints, never through a Service ClusterIP (10.96.x.x):
        // nothing may send traffic to private ranges from this machine.
        '--enable-aggregator-routing=true',
        '--profiling=false',
        `--feature-gates=${gates}`,
        ...(opts.apiserverArgs ?? []),
      ],
      path.join(logDir, 'kube-apiserver.log'),
    );
    procs.push(apiserver);
    const tls = { ca: readFileSync(pki.caCrt), cert: readFileSync(pki.adminCrt), key: readFileSync(pki.adminKey) };
    await readyWhen(apiserver, `${server}/readyz`, async () => (await httpGet(`${server}/readyz`, tls)).status === 200, deadline);

    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, pki.caCrt, 'admin', pki.adminCrt, pki.adminKey), { mode: 0o600 });

    // kube-controller-manager ---------------------------------------------------------------
    if (opts.controllerManager !== false) {
      const kcmKubeconfig = path.join(dir, 'controller-manager.kubeconfig');
      await writeFile(kcmKubeconfig, kubeconfigYaml(server, pki.caCrt, 'system:kube-controller-manager', pki.kcmCrt, pki.kcmKey), { mode: 0o600 });
      log(`kube-controller-manager on https://127.0.0.1:${ports.controllerManager}`);
      const kcm = startProcess(
        'kube-controller-manager',
        bin('kube-controller-manager'),
        [
          `--kubeconfig=${kcmKubeconfig}`,
          `--authentication-kubeconfig=${kcmKubeconfig}`,
          `--authorization-kubeconfig=${kcmKubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.controllerManager}`,
          `--cert-dir=${path.join(dir, 'controller-manager-certs')}`,
          '--leader-elect=false',
          '--controllers=*', // every default controller; this release has no cloud controllers left in kcm
          '--use-service-account-credentials=true', // each controller acts as its own ServiceAccount, as in kubeadm clusters
          `--service-account-private-key-file=${pki.saKey}`,
          `--root-ca-file=${pki.caCrt}`,
          `--cluster-signing-cert-file=${pki.caCrt}`,
          `--cluster-signing-key-file=${pki.caKey}`,
          `--cluster-name=${CLUSTER_NAME}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          '--profiling=false',
          `--feature-gates=${gates}`,
          ...(opts.controllerManagerArgs ?? []),
        ],
        path.join(logDir, 'kube-controller-manager.log'),
      );
      procs.push(kcm);
      await readyWhen(kcm, 'kube-controller-manager /healthz', async () => {
        return (await httpGet(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true })).status === 200;
      }, deadline);
      // The serviceaccount controller creates `default` in every namespace; pods can't be
      // created in a namespace before that (ServiceAccount admission), so wait for the first one.
      await readyWhen(kcm, 'ServiceAccount default/default', async () => {
        return (await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200;
      }, deadline);
    }

    const died = new Promise<string>((resolve) => {
      for (const p of procs) {
        void p.exited.then(() => {
          if (!stopping) resolve(`${p.name} ${p.exitInfo}; end of ${p.logFile}:\n${logTail(p.logFile)}`);
        });
      }
    });
    const helmHome = path.join(dir, 'helm');
    const cluster: Cluster = {
      kubeconfig,
      server,
      binDir,
      dir,
      logDir,
      etcdServer,
      caFile: pki.caCrt,
      kubectl: (args, o = {}) => run(bin('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], o),
      helm: (args, o = {}) =>
        run(bin('helm'), [`--kubeconfig=${kubeconfig}`, ...args], {
          ...o,
          env: {
            ...process.env,
            HELM_CACHE_HOME: path.join(helmHome, 'cache'),
            HELM_CONFIG_HOME: path.join(helmHome, 'config'),
            HELM_DATA_HOME: path.join(helmHome, 'data'),
          },
        }),
      died,
      stop,
    };
    log('cluster ready');
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
