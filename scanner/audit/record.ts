// One audit record per scan, built from the scan event at the moment it happens. Pure: no I/O.
// The text itself is kept only when the policy opts in (storeText); otherwise a keyed fingerprint
// (HMAC-SHA256 with the installation's secret) lets operators find repeats of the same text without
// the log revealing it.
import { randomBytes } from 'node:crypto';
import { fingerprint } from '../fingerprint.js';
import type { AuditConfig, Category } from '../../crds/schema.js';
import type { Finding } from '../detectors/types.js';
import { redact } from '../policy/redact.js';
import type { ScanEvent } from '../scan/scanner.js';

export interface AuditFinding {
  detector: string;
  category: Category;
  rule?: string;
  score: number;
  spans: ScanEvent['result']['findings'][number]['spans'];
}

export interface AuditRecord {
  /** Unique per record, generated once at enqueue (UUIDv7: time-ordered). With `time` it is the
   *  primary key, so a replayed record is written once. */
  id: string;
  /** ISO-8601 UTC. */
  time: string;
  firewall: string;
  pod: string;
  requestId: string;
  clientIp: string | null;
  apiKeyId: string | null;
  direction: 'prompt' | 'response';
  verdict: string;
  policyVerdict: string;
  mode: string;
  threatScore: number;
  /** Detector of the highest-scoring finding. */
  topScanner: string | null;
  topCategory: string | null;
  /** Categories with a non-zero score. */
  categories: string[];
  categoryScores: Record<string, number>;
  /** Highest score per detector. */
  detectorScores: Record<string, number>;
  findings: AuditFinding[];
  errors: Array<{ detector: string; code: string }> | null;
  latencyMs: number;
  cacheLayer: string;
  policyVersion: string;
  textLength: number;
  fingerprint: string;
  text: string | null;
  metadata: Record<string, string> | null;
}

export interface RecordContext {
  firewall: string;
  pod: string;
  fingerprintKey: Buffer;
  storeText: AuditConfig['storeText'];
}

/** Categories whose matched text is replaced when storeText is "redacted". */
const SENSITIVE = new Set<Category>(['pii', 'secret']);

export function toAuditRecord(event: ScanEvent, ctx: RecordContext, now = Date.now()): AuditRecord {
  const { result, texts, request, context } = event;
  const detectorScores: Record<string, number> = {};
  for (const f of result.findings) detectorScores[f.detector] = Math.max(detectorScores[f.detector] ?? 0, f.score);
  const top = result.findings[0]; // findings come sorted by score, highest first
  const categories = Object.entries(result.categories)
    .filter(([, s]) => s > 0)
    .map(([c]) => c);
  const textLength = texts.reduce((n, t) => n + t.text.length, 0);
  return {
    id: uuidv7(now),
    time: new Date(now).toISOString(),
    firewall: ctx.firewall,
    pod: ctx.pod,
    requestId: context.id ?? result.id,
    clientIp: context.clientIp ?? null,
    apiKeyId: context.apiKeyId ?? null,
    direction: request.direction,
    verdict: result.verdict,
    policyVerdict: result.policyVerdict ?? result.verdict,
    mode: result.mode,
    threatScore: result.score,
    topScanner: top?.detector ?? null,
    topCategory: top?.category ?? null,
    categories,
    categoryScores: result.categories,
    detectorScores,
    findings: result.findings.map((f) => ({ detector: f.detector, category: f.category, ...(f.rule ? { rule: f.rule } : {}), score: f.score, spans: f.spans })),
    errors: result.errors?.length ? result.errors.map((e) => ({ detector: e.detector, code: e.code })) : null,
    latencyMs: result.latencyMs,
    cacheLayer: result.cache,
    policyVersion: result.policyVersion,
    textLength,
    fingerprint: fingerprint(ctx.fingerprintKey, texts.map((t) => t.text)),
    text: ctx.storeText === 'none' ? null : storedText(event, ctx.storeText === 'redacted'),
    metadata: request.metadata && Object.keys(request.metadata).length ? (request.metadata as Record<string, string>) : null,
  };
}

/** The scanned text, or with the personal data and secrets found in it replaced by placeholders.
 *  Chats are stored one "role: text" line per text part. */
function storedText(event: ScanEvent, redacted: boolean): string {
  const { texts, request, result } = event;
  return texts
    .map((item) => {
      let text = item.text;
      if (redacted) {
        const here: Finding[] = [];
        for (const f of result.findings) {
          if (!SENSITIVE.has(f.category)) continue;
          const spans = f.spans.filter((s) => s.message === item.message && s.part === item.part);
          if (spans.length) here.push({ detector: f.detector, category: f.category, score: f.score, message: f.message, spans });
        }
        text = redact(text, here);
      }
      return item.message === undefined ? text : `${request.messages![item.message].role}: ${text}`;
    })
    .join('\n');
}

/** UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits. */
export function uuidv7(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
