// How many CPUs this process may really use: the cgroup CPU quota of the pod (v2 cpu.max or v1
// cfs quota) when one is set, else the cores the OS offers. A pod limited to 2 CPUs on a 64-core
// node must not start 64 inference threads.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** CPU quota in cores from cgroup files, or undefined when unlimited or unknown. */
export function cgroupCpuQuota(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = read(`${root}/cpu.max`);
  if (v2) {
    const [quota, period] = v2.split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
    return undefined;
  }
  const quota = Number(read(`${root}/cpu/cpu.cfs_quota_us`) ?? read(`${root}/cpu,cpuacct/cpu.cfs_quota_us`));
  const period = Number(read(`${root}/cpu/cpu.cfs_period_us`) ?? read(`${root}/cpu,cpuacct/cpu.cfs_period_us`));
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** Whole CPUs available to this process (at least 1). */
export function usableCpus(root?: string): number {
  const cores = availableParallelism();
  const quota = cgroupCpuQuota(root);
  return Math.max(1, quota === undefined ? cores : Math.min(cores, Math.floor(quota)));
}

/**
 * Intra-op threads for the model session: PF_MODEL_THREADS when set, else the usable CPUs less
 * one for the event loop (the HTTP server, normalisation and featurisation run there), at least 1.
 */
export function modelThreads(env: NodeJS.ProcessEnv = process.env, root?: string): number {
  return countFromEnv(env.PF_MODEL_THREADS, 1) ?? Math.max(1, usableCpus(root) - 1);
}

/** Most detection threads chosen by default (each holds its own rule packs and model). */
export const MAX_DEFAULT_DETECTION_THREADS = 4;

/**
 * Detection threads of a serving scanner: PF_DETECTION_THREADS when set (the operator sets it from
 * the pod's resources), else the usable CPUs less one for the event loop, at most
 * MAX_DEFAULT_DETECTION_THREADS; 0 (detection on the event loop) on a single CPU, where a thread
 * would only add a hop.
 */
export function detectionThreads(env: NodeJS.ProcessEnv = process.env, root?: string): number {
  return countFromEnv(env.PF_DETECTION_THREADS, 0) ?? Math.min(MAX_DEFAULT_DETECTION_THREADS, usableCpus(root) - 1);
}

/** A thread count set in the environment: a whole number ≥ `min`; undefined when unset, empty or invalid. */
function countFromEnv(value: string | undefined, min: number): number | undefined {
  const n = value?.trim() ? Number(value) : NaN;
  return Number.isInteger(n) && n >= min ? n : undefined;
}
