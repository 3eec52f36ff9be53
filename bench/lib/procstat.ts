// CPU and memory of a process from /proc (Linux): CPU as a share of one core over a window,
// RSS sampled every 250 ms (peak and last).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export interface ProcessUsage {
  /** Mean CPU over the window, in % of one core (200% = both cores of a 2-core machine). */
  cpuPercent: number;
  rssPeakMB: number;
  rssEndMB: number;
}

/** Watches processes from now until stop(); figures are summed over the processes. */
export function watch(pids: number[]): { stop(): ProcessUsage } {
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  let peak = 0;
  const sample = () => {
    const total = pids.reduce((n, p) => n + rssBytes(p), 0);
    if (total > peak) peak = total;
    return total;
  };
  sample();
  // A process that exits mid-run (a crash, the OOM killer) must fail the measurement with a clear
  // message, not crash the benchmark from inside a timer.
  let lost: Error | undefined;
  const timer = setInterval(() => {
    try {
      sample();
    } catch (err) {
      lost = err as Error;
      clearInterval(timer);
    }
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      if (lost) throw new Error(`a measured process exited during the run (${lost.message})`);
      const end = sample();
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = pids.reduce((n, p, i) => n + cpuSeconds(p) - cpu0[i], 0);
      return { cpuPercent: (100 * cpu) / elapsed, rssPeakMB: peak / 2 ** 20, rssEndMB: end / 2 ** 20 };
    },
  };
}
