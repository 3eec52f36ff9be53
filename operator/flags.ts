// The operator's command-line flags. Every flag has an environment variable (what the Helm chart
// sets) and a default; a flag wins over its variable.
import { parseArgs } from 'node:util';
import { PACKAGE_VERSION } from '../scanner/paths.js';

/** Flag name → environment variable and default. */
export const OPERATOR_FLAGS = {
  kubeconfig: { env: 'PF_OPERATOR_KUBECONFIG', default: '', help: 'kubeconfig file; default: $KUBECONFIG, else in-cluster, else ~/.kube/config' },
  namespaces: { env: 'PF_OPERATOR_NAMESPACES', default: '', help: 'comma-separated namespaces to watch; empty: all' },
  'scanner-image': { env: 'PF_SCANNER_IMAGE', default: `prompt-firewall:${PACKAGE_VERSION}`, help: 'image for PromptFirewalls without spec.image.reference' },
  'metrics-addr': { env: 'PF_OPERATOR_METRICS_ADDR', default: ':8081', help: '[host]:port of /metrics, /healthz and /readyz' },
  'leader-elect': { env: 'PF_OPERATOR_LEADER_ELECT', default: 'true', help: 'run leader election so only one replica reconciles' },
  'lease-namespace': { env: 'PF_OPERATOR_LEASE_NAMESPACE', default: '', help: 'namespace of the Lease; default: POD_NAMESPACE, else default' },
  'lease-name': { env: 'PF_OPERATOR_LEASE_NAME', default: 'prompt-firewall-operator', help: 'name of the Lease' },
  'lease-duration': { env: 'PF_OPERATOR_LEASE_DURATION', default: '15', help: 'seconds a standby waits without renewal before taking over' },
  'renew-deadline': { env: 'PF_OPERATOR_RENEW_DEADLINE', default: '10', help: 'seconds a leader may fail to renew before it steps down' },
  'retry-period': { env: 'PF_OPERATOR_RETRY_PERIOD', default: '2', help: 'seconds between lease attempts' },
  workers: { env: 'PF_OPERATOR_WORKERS', default: '4', help: 'PromptFirewalls reconciled concurrently' },
  'resync-period': { env: 'PF_OPERATOR_RESYNC_PERIOD', default: '600', help: 'seconds between full re-reconciles' },
  'max-backoff': { env: 'PF_OPERATOR_MAX_BACKOFF', default: '60', help: 'longest retry delay of a failing PromptFirewall, seconds' },
} as const;
export type Flag = keyof typeof OPERATOR_FLAGS;

function usage(): string {
  const lines = Object.entries(OPERATOR_FLAGS).map(([k, v]) => `  --${k.padEnd(16)} ${v.help} (env ${v.env}${v.default ? `, default ${v.default}` : ''})`);
  return `prompt-firewall operator ${PACKAGE_VERSION}\n\nUsage: node dist/operator/main.js [flags]\n${lines.join('\n')}\n\nLOG_LEVEL sets the log level (info).`;
}

export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Record<Flag, string> {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(OPERATOR_FLAGS).map((k) => [k, { type: 'string' as const }])), help: { type: 'boolean' as const } },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const out = {} as Record<Flag, string>;
  for (const [k, v] of Object.entries(OPERATOR_FLAGS) as [Flag, (typeof OPERATOR_FLAGS)[Flag]][]) out[k] = ((values as Record<string, unknown>)[k] as string | undefined) ?? env[v.env] ?? v.default;
  return out;
}

