/**
 * A small bounded cache of verified tokens: each entry lives until the token's own expiry or `maxAgeMs`,
 * whichever comes first; the oldest entry goes when the cache is full. Keys are whole tokens, which only their
 * holder knows, so an entry can only ever answer for the token that was verified.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get(token: string): T | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (Date.now() >= entry.until) {
      this.entries.delete(token);
      return null;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAtMs: number): void {
    const until = Math.min(expiresAtMs, Date.now() + this.maxAgeMs);
    if (until <= Date.now()) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { value, until });
  }

  clear(): void {
    this.entries.clear();
  }
}
