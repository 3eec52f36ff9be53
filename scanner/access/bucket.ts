// Token bucket: a client holds up to `capacity` tokens (the burst), refilled continuously at
// `perMs` tokens per millisecond; each request takes one. Pure; the Redis script in ratelimit.ts
// is the same arithmetic, run atomically where all pods share the bucket.
export interface Bucket {
  tokens: number;
  /** When `tokens` was computed, epoch ms. */
  at: number;
}

export interface BucketLimits {
  perMs: number;
  capacity: number;
}

export interface Take {
  allowed: boolean;
  /** Tokens left after this request, rounded down. */
  remaining: number;
  /** When not allowed: how long until a token is available. */
  retryAfterMs: number;
}

/** requestsPerMinute with a burst → tokens per ms and capacity. */
export const bucketLimits = (requestsPerMinute: number, burst: number): BucketLimits => ({ perMs: requestsPerMinute / 60_000, capacity: burst });

export function take(bucket: Bucket | undefined, now: number, limits: BucketLimits): { bucket: Bucket; result: Take } {
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  let tokens = bucket ? Math.min(limits.capacity, bucket.tokens + elapsed * limits.perMs) : limits.capacity;
  let retryAfterMs = 0;
  const allowed = tokens >= 1;
  if (allowed) tokens -= 1;
  else retryAfterMs = Math.ceil((1 - tokens) / limits.perMs);
  return { bucket: { tokens, at: now }, result: { allowed, remaining: Math.floor(tokens), retryAfterMs } };
}

/** How long until an untouched bucket is full again: it can be forgotten after that. */
export const refillMs = (bucket: Bucket, limits: BucketLimits) => Math.ceil((limits.capacity - bucket.tokens) / limits.perMs);
