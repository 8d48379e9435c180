import { Injectable } from '@nestjs/common';
import { passportJwtSecret } from 'jwks-rsa';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { TokenClaims } from '../../common/auth/auth-context';
import { isUuid } from '../../common/validation/uuid';
import { SigningKeyService } from './signing-key.service';

/**
 * The one access-token check of the service, for the built-in issuer and for Auth0 alike: signature through
 * jwks-rsa (keys by `kid` from the issuer's JWKS, cached, refetch rate-limited), exact `iss` and `aud`,
 * `exp`/`nbf` with 30 s of clock tolerance, and an algorithm allow-list (never taken from the token header).
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

  constructor(@InjectConfig() config: AppConfig, keys: SigningKeyService) {
    const inProcessJwks = config.auth.mode === 'local' && config.auth.jwksUri === defaultJwksUri(config);
    super(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret({
          jwksUri: config.auth.jwksUri,
          cache: true,
          cacheMaxEntries: 10,
          cacheMaxAge: 10 * 60_000,
          rateLimit: true,
          jwksRequestsPerMinute: 10,
          timeout: 5000,
          ...(inProcessJwks ? { fetcher: async () => ({ keys: await keys.publishedJwks() }) } : {}),
        }),
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        algorithms: config.auth.algorithms,
        ignoreExpiration: false,
        jsonWebTokenOptions: { clockTolerance: 30 },
      },
      (payload: Record<string, unknown>, done: (error: Error | null, claims: TokenClaims | false) => void) =>
        done(null, this.toClaims(payload)),
    );
    this.namespace = config.auth.claimNamespace;
  }

  /** Verifies the bearer token of a request (only its headers are read). Null when it is missing or invalid. */
  verify(headers: Record<string, string | string[] | undefined>): Promise<TokenClaims | null> {
    return new Promise((resolve) => {
      const request = { headers };
      passport.authenticate(this, { session: false }, (error: unknown, claims: TokenClaims | false) =>
        resolve(error || !claims ? null : claims),
      )(request, {}, () => resolve(null));
    });
  }

  private toClaims(payload: Record<string, unknown>): TokenClaims | false {
    const claim = (name: string): unknown => payload[`${this.namespace}${name}`] ?? payload[name];
    const sub = payload.sub;
    const tenantId = claim('tenantId');
    const userId = claim('userId') ?? null;
    const groupId = claim('groupId') ?? null;
    if (typeof sub !== 'string' || !sub || !isUuid(tenantId) || (userId !== null && !isUuid(userId)))
      return false;
    return {
      sub,
      tenantId,
      userId,
      groupId: typeof groupId === 'string' ? groupId : null,
      jti: typeof payload.jti === 'string' ? payload.jti : null,
    };
  }
}

export function defaultJwksUri(config: AppConfig): string {
  return `${config.auth.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}
