// SQL of the audit log's write and read sides, built from typed filters. Pure: the text and the
// parameters, nothing executed here.
import { ACTIONS, CATEGORIES } from '../../crds/schema.js';
import type { AuditRecord } from './record.js';

/** Writes a batch in one statement; a record already there (a replay) is skipped. */
export const INSERT_RECORDS = `INSERT INTO firewall_logs (ts, id, firewall, pod, request_id, client_ip, api_key_id, direction, verdict, policy_verdict, mode,
    threat_score, top_scanner, top_category, categories, category_scores, detector_scores, findings, errors, latency_ms, cache_layer,
    policy_version, text_length, fingerprint, text, metadata)
  SELECT r."time", r.id, r.firewall, r.pod, r."requestId", r."clientIp", r."apiKeyId", r.direction, r.verdict, r."policyVerdict", r.mode,
    r."threatScore", r."topScanner", r."topCategory", r.categories, r."categoryScores", r."detectorScores", r.findings, r.errors, r."latencyMs", r."cacheLayer",
    r."policyVersion", r."textLength", r.fingerprint, r.text, r.metadata
  FROM jsonb_to_recordset($1::jsonb) AS r("time" timestamptz, id uuid, firewall text, pod text, "requestId" text, "clientIp" inet, "apiKeyId" text,
    direction text, verdict text, "policyVerdict" text, mode text, "threatScore" real, "topScanner" text, "topCategory" text, categories text[],
    "categoryScores" jsonb, "detectorScores" jsonb, findings jsonb, errors jsonb, "latencyMs" real, "cacheLayer" text, "policyVersion" text,
    "textLength" integer, fingerprint text, text text, metadata jsonb)
  ON CONFLICT (ts, id) DO NOTHING`;

export const insertParams = (records: readonly AuditRecord[]) => [JSON.stringify(records)];

export interface EventFilter {
  since: Date;
  until: Date;
  verdicts?: string[];
  category?: string;
  scanner?: string;
  clientIp?: string;
  requestId?: string;
  limit: number;
  /** Position after the last event of the previous page. */
  after?: { time: string; id: string };
}

export interface Query {
  text: string;
  params: unknown[];
}

const EVENT_COLUMNS = `ts, id::text AS id, request_id AS "requestId", pod, host(client_ip) AS "clientIp", api_key_id AS "apiKeyId", direction, verdict,
  policy_verdict AS "policyVerdict", mode, threat_score AS score, top_scanner AS "topScanner", top_category AS "topCategory", categories,
  category_scores AS "categoryScores", detector_scores AS "detectorScores", findings, errors, latency_ms AS "latencyMs", cache_layer AS cache,
  policy_version AS "policyVersion", text_length AS "textLength", fingerprint, text, metadata`;

/** Newest first, keyset-paginated on (ts, id); fetches one row more than asked to tell if a next page exists. */
export function eventsQuery(firewall: string, f: EventFilter): Query {
  const params: unknown[] = [firewall, f.since.toISOString(), f.until.toISOString()];
  const where = ['firewall = $1', 'ts >= $2', 'ts < $3'];
  const add = (cond: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(cond(`$${params.length}`));
  };
  if (f.verdicts?.length) add((p) => `verdict = ANY(${p}::text[])`, f.verdicts);
  if (f.category) add((p) => `categories @> ARRAY[${p}::text]`, f.category);
  if (f.scanner) add((p) => `top_scanner = ${p}`, f.scanner);
  if (f.clientIp) add((p) => `client_ip = ${p}::inet`, f.clientIp);
  if (f.requestId) add((p) => `request_id = ${p}`, f.requestId);
  if (f.after) {
    params.push(f.after.time, f.after.id);
    where.push(`(ts, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(f.limit + 1);
  return { text: `SELECT ${EVENT_COLUMNS} FROM firewall_logs WHERE ${where.join(' AND ')} ORDER BY ts DESC, id DESC LIMIT $${params.length}`, params };
}

export interface StatsWindow {
  since: Date;
  until: Date;
}

/** Counts per verdict, per category (a scan counts once in each category it scored in) and per
 *  top scanner, as (kind, key, n) rows. */
export function statsQuery(firewall: string, w: StatsWindow): Query {
  const where = 'firewall = $1 AND ts >= $2 AND ts < $3';
  return {
    text: `SELECT 'verdict' AS kind, verdict AS key, count(*)::int AS n FROM firewall_logs WHERE ${where} GROUP BY verdict
      UNION ALL SELECT 'category', c, count(*)::int FROM firewall_logs, unnest(categories) AS c WHERE ${where} GROUP BY c
      UNION ALL SELECT 'scanner', top_scanner, count(*)::int FROM firewall_logs WHERE ${where} AND top_scanner IS NOT NULL GROUP BY top_scanner`,
    params: [firewall, w.since.toISOString(), w.until.toISOString()],
  };
}

export interface Stats {
  total: number;
  verdicts: Record<string, number>;
  categories: Record<string, number>;
  scanners: Record<string, number>;
}

/** Folds the rows into counts; every verdict and category is listed, zero when absent. */
export function foldStats(rows: ReadonlyArray<{ kind: string; key: string; n: number }>): Stats {
  const out: Stats = { total: 0, verdicts: Object.fromEntries(ACTIONS.map((a) => [a, 0])), categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0])), scanners: {} };
  for (const r of rows) {
    if (r.kind === 'verdict') {
      out.verdicts[r.key] = r.n;
      out.total += r.n;
    } else if (r.kind === 'category') out.categories[r.key] = r.n;
    else if (r.kind === 'scanner') out.scanners[r.key] = r.n;
  }
  return out;
}
