import { createHash } from 'node:crypto';

/** Cache key: what was scanned (normalised), in which direction, under which policy and model. */
export function cacheKey(normalisedText: string, direction: string, policyVersion: string, modelVersion: string): string {
  return createHash('sha256')
    .update(direction)
    .update('\0')
    .update(policyVersion)
    .update('\0')
    .update(modelVersion)
    .update('\0')
    .update(normalisedText)
    .digest('base64url');
}
