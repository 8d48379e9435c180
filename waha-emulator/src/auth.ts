import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison that does not leak the stored length through early returns. */
export function safeCompare(provided: string, stored: string): boolean {
  const a = Buffer.from(provided);
  const b = Buffer.from(stored);
  if (a.length !== b.length) {
    timingSafeEqual(a, Buffer.alloc(a.length));
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * WAHA's API key check: the configured key is either plain text or `sha512:<hex digest>` (the
 * client still sends the plain key; the server hashes it). No key configured = no auth.
 */
export function createApiKeyCheck(configured: string | null): (provided: string | undefined) => boolean {
  if (!configured) {
    return () => true;
  }
  const match = /^sha512:([0-9a-fA-F]{128})$/.exec(configured);
  if (match) {
    const digest = match[1].toLowerCase();
    return (provided) =>
      Boolean(provided) &&
      safeCompare(
        createHash('sha512')
          .update(provided ?? '')
          .digest('hex'),
        digest,
      );
  }
  return (provided) => Boolean(provided) && safeCompare(provided ?? '', configured);
}
