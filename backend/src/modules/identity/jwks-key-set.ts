import axios from 'axios';

export interface Jwk {
  kid?: string;
  alg?: string;
  use?: string;
  [key: string]: unknown;
}

/**
 * The verifier's copy of the issuer's JWKS. jwks-rsa asks it for keys whenever a token names a `kid` it has not
 * cached, which an anonymous client can do at will; so the source (our database, or the Auth0 JWKS endpoint)
 * is read at most once per `minRefreshMs` however many unknown `kid`s arrive, and concurrent readers share one
 * read. A key published by the issuer is seen within `minRefreshMs`, and no flood of bogus tokens can use up a
 * fetch budget and lock real users out (jwks-rsa's own per-minute limit would).
 */
export class JwksKeySet {
  private keys: Jwk[] | null = null;
  private fetchedAt = 0;
  private inflight: Promise<Jwk[]> | null = null;

  constructor(
    private readonly source: () => Promise<Jwk[]>,
    private readonly minRefreshMs: number,
  ) {}

  /** Forgets the cached set (this process just changed the keys). */
  invalidate(): void {
    this.fetchedAt = 0;
  }

  async get(): Promise<Jwk[]> {
    if (this.keys && Date.now() - this.fetchedAt < this.minRefreshMs) return this.keys;
    this.inflight ??= this.source()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = Date.now();
        return keys;
      })
      .catch((error: unknown) => {
        // Keep serving the last good set through an outage of the source; without one, the error stands.
        if (this.keys) return this.keys;
        throw error;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}

/** Reads a remote JWKS document (Auth0's) with a timeout; never follows redirects. */
export async function fetchRemoteJwks(uri: string, timeoutMs = 5000): Promise<Jwk[]> {
  const response = await axios.get<{ keys?: Jwk[] }>(uri, { timeout: timeoutMs, maxRedirects: 0 });
  return Array.isArray(response.data?.keys) ? response.data.keys : [];
}
