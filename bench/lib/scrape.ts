// Server-side request latency from the scanner's own /metrics: the request-duration histogram is
// scraped before and after a run and the quantile of the difference is estimated as Prometheus'
// histogram_quantile does (linear within a bucket). Coarse (bucket bounds 0.5, 1, 2.5, 5, 10 ms …)
// but it is what a platform team's dashboards will show.
export type Buckets = Map<number, number>;

export async function scrapeBuckets(baseUrl: string, metric: string, labelFilter: RegExp): Promise<Buckets> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out: Buckets = new Map();
  const re = new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    if (!labelFilter.test(m[1])) continue;
    const le = /le="([^"]+)"/.exec(m[1])![1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(m[2]));
  }
  return out;
}

/** Quantile (in the metric's unit) of the observations made between two scrapes. */
export function quantile(before: Buckets, after: Buckets, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (!total) return NaN;
  const rank = q * total;
  const i = cumulative.findIndex((c) => c >= rank);
  if (bounds[i] === Infinity) return bounds[i - 1];
  const lower = i > 0 ? bounds[i - 1] : 0;
  const below = i > 0 ? cumulative[i - 1] : 0;
  return lower + ((bounds[i] - lower) * (rank - below)) / (cumulative[i] - below);
}
