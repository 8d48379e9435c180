import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { passportJwtSecret } from 'jwks-rsa';
import { createPublicKey, KeyObject } from 'node:crypto';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { TokenClaims } from '../../common/auth/auth-context';
import { isDependencyUnavailable } from '../../common/errors/error-mapping';
import { isUuid } from '../../common/validation/uuid';
import { fetchRemoteJwks, JwksKeySet } from './jwks-key-set';
import { VerifiedTokenCache } from './verified-token-cache';
import { SigningKeyService } from './signing-key.service';

/**
 * What a verified access token says. External issuers (Auth0) may add name hints, used only to name a user
 * provisioned on first sight; authorisation never reads them.
 */
export interface VerifiedClaims extends TokenClaims {
  /** Expiry, seconds since the epoch (always present on tokens this strategy verified). */
  exp?: number;
  profile?: { username?: string; nickname?: string; email?: string };
}

/** How stale the verifier's key set may get before an unknown `kid` triggers a re-read. */
const LOCAL_JWKS_REFRESH_MS = 1_000;
const REMOTE_JWKS_REFRESH_MS = 60_000;

/**
 * The one access-token check of the service, for the built-in issuer and for Auth0 alike: signature through
 * jwks-rsa (keys by `kid` from the issuer's JWKS; see JwksKeySet for how refetches are bounded), exact `iss` and
 * `aud`, a required `exp` (and `nbf`) with 30 s of clock tolerance, and an algorithm allow-list (never taken from
 * the token header).
 *
 * In the built-in mode the JWKS document is read in-process (the same document GET /.well-known/jwks.json
 * serves) unless AUTH_JWKS_URI points elsewhere; everything after the key lookup is identical.
 *
 * The instance is used directly (`authenticate()`), not through passport's global strategy registry, so the
 * HTTP guard and the realtime handshake share exactly this object.
 */
@Injectable()
export class JwtStrategy extends Strategy {
  private readonly namespace: string;
  /**
   * Tokens already verified, until their `exp` and for at most a minute: an RS256 check plus passport costs far
   * more than the rest of a cached request, and clients send the same token many times.
   */
  private readonly verified = new VerifiedTokenCache<VerifiedClaims>(10_000, 60_000);

  constructor(@InjectConfig() config: AppConfig, keys: SigningKeyService) {
    const inProcessJwks = config.auth.mode === 'local' && config.auth.jwksUri === defaultJwksUri(config);
    const keySet = inProcessJwks
      ? new JwksKeySet(() => keys.publishedJwks(), LOCAL_JWKS_REFRESH_MS)
      : new JwksKeySet(() => fetchRemoteJwks(config.auth.jwksUri), REMOTE_JWKS_REFRESH_MS);
    // A rotation in this process is visible to this verifier at once; other instances see it within a second.
    keys.onRotate(() => keySet.invalidate());
    super(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: asKeyObjects(
          passportJwtSecret({
            jwksUri: config.auth.jwksUri,
            cache: true,
            cacheMaxEntries: 10,
            cacheMaxAge: 10 * 60_000,
            // Refetches are bounded by JwksKeySet instead (per source, not per kid).
            rateLimit: false,
            fetcher: async () => ({ keys: await keySet.get() }),
          }),
        ),
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        algorithms: config.auth.algorithms,
        ignoreExpiration: false,
        jsonWebTokenOptions: { clockTolerance: 30 },
      },
      (
        payload: Record<string, unknown>,
        done: (error: Error | null, claims: VerifiedClaims | false) => void,
      ) => done(null, this.toClaims(payload)),
    );
    this.namespace = config.auth.claimNamespace;
    // A rotation or revocation of keys must not be outlived by tokens verified under the old set.
    keys.onRotate(() => this.verified.clear());
  }

  /**
   * Verifies the bearer token of a request (only its headers are read). Null when it is missing or invalid;
   * rejects with 503 when the keys cannot be read (database or JWKS endpoint down), which is not the token's
   * fault and must not sign the client out.
   */
  async verify(headers: Record<string, string | string[] | undefined>): Promise<VerifiedClaims | null> {
    const token = bearerToken(headers.authorization);
    if (token) {
      const known = this.verified.get(token);
      if (known) return known;
    }
    const claims = await this.authenticate$(headers);
    if (claims && token) this.verified.set(token, claims, (claims.exp ?? 0) * 1000);
    return claims;
  }

  private authenticate$(
    headers: Record<string, string | string[] | undefined>,
  ): Promise<VerifiedClaims | null> {
    return new Promise((resolve, reject) => {
      const request = { headers };
      // passport assigns success/fail/error onto the strategy object it is given; a per-call object keeps
      // concurrent verifications from answering each other's requests (or never answering at all).
      passport.authenticate(
        Object.create(this) as this,
        { session: false },
        (error: unknown, claims: VerifiedClaims | false, info: unknown) => {
          if (isDependencyUnavailable(error) || isDependencyUnavailable(info)) {
            reject(
              new ServiceUnavailableException('Token keys are temporarily unavailable; try again later'),
            );
            return;
          }
          resolve(error || !claims ? null : claims);
        },
      )(request, {}, () => resolve(null));
    });
  }

  /** Token verification for a bare access token (not from a request), e.g. one Auth0 just issued. */
  verifyToken(accessToken: string): Promise<VerifiedClaims | null> {
    return this.verify({ authorization: `Bearer ${accessToken}` });
  }

  private toClaims(payload: Record<string, unknown>): VerifiedClaims | false {
    const claim = (name: string): unknown => payload[`${this.namespace}${name}`] ?? payload[name];
    const sub = payload.sub;
    const tenantId = claim('tenantId');
    const userId = claim('userId') ?? null;
    const groupId = claim('groupId') ?? null;
    // jsonwebtoken checks `exp` only when present: a token without one would never expire.
    if (typeof payload.exp !== 'number') return false;
    if (typeof sub !== 'string' || !sub || !isUuid(tenantId) || (userId !== null && !isUuid(userId)))
      return false;
    const hint = (name: string): string | undefined => {
      const value = claim(name);
      return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
    };
    return {
      sub,
      tenantId,
      userId,
      groupId: typeof groupId === 'string' ? groupId : null,
      jti: typeof payload.jti === 'string' ? payload.jti : null,
      exp: payload.exp,
      profile: { username: hint('username'), nickname: hint('nickname'), email: hint('email') },
    };
  }
}

export function defaultJwksUri(config: AppConfig): string {
  return `${config.auth.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer ([A-Za-z0-9._~+/=-]{10,8192})$/.exec(value) : null;
  return match ? match[1]! : null;
}

type KeyProvider = ReturnType<typeof passportJwtSecret>;

/**
 * jwks-rsa hands out PEM strings, which jsonwebtoken would parse into a key object on every verification.
 * Parsing each PEM once is the same key, without that cost per request.
 */
function asKeyObjects(provider: KeyProvider): KeyProvider {
  const parsed = new Map<string, KeyObject>();
  return (request, rawJwt, done) =>
    provider(request, rawJwt, (error, key) => {
      if (error || typeof key !== 'string') return done(error, key);
      let object = parsed.get(key);
      if (!object) {
        object = createPublicKey(key);
        if (parsed.size > 50) parsed.clear();
        parsed.set(key, object);
      }
      done(null, object as unknown as string);
    });
}
