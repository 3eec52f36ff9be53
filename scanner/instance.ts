// Who this scanner process is and where it keeps its files. The operator sets PF_FIREWALL_NAME and
// POD_NAMESPACE / POD_NAME (downward API) and mounts an emptyDir at PF_DATA_DIR; on a laptop the
// firewall is "local" and the data directory ./.data.
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface Instance {
  /** namespace/name of the PromptFirewall, or "local". Namespaces Redis keys and audit rows. */
  firewall: string;
  pod: string;
  /** Directory for the disk cache, the audit spool and the embedded audit store. */
  dataDir: string;
}

export function instanceFromEnv(env: NodeJS.ProcessEnv = process.env): Instance {
  const name = env.PF_FIREWALL_NAME;
  return {
    firewall: name ? `${env.POD_NAMESPACE || 'default'}/${name}` : 'local',
    pod: env.POD_NAME || hostname(),
    dataDir: resolve(env.PF_DATA_DIR || '.data'),
  };
}
