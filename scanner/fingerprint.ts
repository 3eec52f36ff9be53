// A keyed fingerprint of scanned text (HMAC-SHA256): the same text gives the same fingerprint under
// one installation's key, so an operator can see that a text came back without being able to read
// it or confirm a guess. Used by the audit log and the dashboard's recent events alike.
import { createHmac } from 'node:crypto';

/** Hex HMAC-SHA256 of the texts, separated by NUL so ["ab", "c"] and ["a", "bc"] differ. */
export function fingerprint(key: Buffer | string, texts: readonly string[]): string {
  const h = createHmac('sha256', key);
  texts.forEach((t, i) => {
    if (i) h.update('\0');
    h.update(t);
  });
  return h.digest('hex');
}
