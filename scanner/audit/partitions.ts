// Daily partitions of firewall_logs: names, ranges and which are due for creation or retention.
// Pure date maths in UTC.
export const TABLE = 'firewall_logs';
const DAY_MS = 86_400_000;
const NAME = /^firewall_logs_p(\d{4})(\d{2})(\d{2})$/;

/** Midnight UTC of the day containing `t` (epoch ms). */
export const dayStart = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** firewall_logs_p20250131 for any time on 2025-01-31 (UTC). */
export function partitionName(t: number): string {
  return `${TABLE}_p${new Date(dayStart(t)).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Start of the day a partition holds, or undefined for a table that is not one of ours. */
export function partitionDay(name: string): number | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return partitionName(t) === name ? t : undefined;
}

export interface PartitionSpec {
  name: string;
  /** ISO timestamps: [from, to). */
  from: string;
  to: string;
}

export function partitionFor(t: number): PartitionSpec {
  const start = dayStart(t);
  return { name: partitionName(start), from: new Date(start).toISOString(), to: new Date(start + DAY_MS).toISOString() };
}

/** Yesterday (for late records and clock skew between pods), today and `aheadDays` days to come. */
export function partitionsAhead(now: number, aheadDays: number): PartitionSpec[] {
  const out: PartitionSpec[] = [];
  for (let d = -1; d <= aheadDays; d++) out.push(partitionFor(now + d * DAY_MS));
  return out;
}

/** Partitions whose whole day lies more than `retentionDays` before now. */
export function partitionsToDrop(names: readonly string[], now: number, retentionDays: number): string[] {
  const cutoff = now - retentionDays * DAY_MS;
  return names.filter((n) => {
    const day = partitionDay(n);
    return day !== undefined && day + DAY_MS <= cutoff;
  });
}
