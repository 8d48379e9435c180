import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { AuditService } from '../audit/audit.service';
import { TenantsService } from '../tenants/tenants.service';
import { AccessService } from './access.service';
import { LoginDto, TokenResponseDto } from './auth.dto';
import { Auth0Client, Auth0Refusal, Auth0Tokens, Auth0UnavailableException } from './auth0.client';
import { JwtStrategy } from './jwt.strategy';
import { INVALID_REFRESH, LoginOutcome, TokenIssuer } from './token-issuer';

/** Injection token of the Auth0Client (null unless AUTH_MODE=auth0). */
export const AUTH0_CLIENT = Symbol('AUTH0_CLIENT');

/**
 * AUTH_MODE=auth0: the login endpoints proxy to Auth0's Authentication API with our confidential client, so
 * the public contract stays the one of the built-in issuer. Auth0 checks the password, rotates refresh tokens
 * and detects their reuse; we check what Auth0 issued exactly as every later request is checked (JwtStrategy,
 * then AccessService, which links or provisions the user), and that it is for the tenant the client named.
 */
@Injectable()
export class Auth0TokenIssuer implements TokenIssuer {
  private readonly logger = new Logger(Auth0TokenIssuer.name);

  constructor(
    @Inject(AUTH0_CLIENT) private readonly auth0: Auth0Client,
    private readonly strategy: JwtStrategy,
    private readonly access: AccessService,
    private readonly tenants: TenantsService,
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<LoginOutcome> {
    const tenant = await this.tenants.findBySlug(dto.tenant);
    const refused = (reason: string, userId: string | null = null): LoginOutcome => ({
      outcome: 'refused',
      tenantId: tenant?.id ?? null,
      userId,
      reason,
    });

    // Auth0 is asked even for an unknown tenant, so the answer takes as long either way.
    let tokens: Auth0Tokens;
    try {
      tokens = await this.auth0.passwordRealm(dto.username, dto.password, ip);
    } catch (error) {
      if (error instanceof Auth0Refusal) return refused(`auth0_${error.error}`);
      throw error;
    }
    if (!tokens.refreshToken) {
      this.logger.error(
        'Auth0 issued no refresh token: allow offline access for the API and the refresh_token grant for the application',
      );
      throw new Auth0UnavailableException('issued no refresh token');
    }
    const refreshToken = tokens.refreshToken;

    let reason: string;
    try {
      const claims = await this.strategy.verifyToken(tokens.accessToken);
      if (!claims) {
        this.logger.error(
          'Auth0 issued an access token this API does not accept: check AUTH_ISSUER, AUTH_AUDIENCE, AUTH_CLAIM_NAMESPACE and the post-login Action (tenantId claim)',
        );
        reason = 'token_not_accepted';
      } else if (!tenant || tenant.status !== 'active' || claims.tenantId !== tenant.id) {
        reason = 'other_tenant';
      } else {
        const auth = await this.access.resolve(claims);
        if (auth) {
          const response = this.tokenResponse(tokens, refreshToken);
          return { outcome: 'signed_in', tenantId: auth.tenantId, userId: auth.userId, tokens: response };
        }
        reason = 'user_not_allowed';
      }
    } catch (error) {
      // Keys or database unavailable (503): the session Auth0 just opened is not handed out, so end it.
      await this.revokeQuietly(refreshToken);
      throw error;
    }
    await this.revokeQuietly(refreshToken);
    return refused(reason);
  }

  async refresh(presented: string): Promise<TokenResponseDto> {
    let tokens: Auth0Tokens;
    try {
      tokens = await this.auth0.refresh(presented);
    } catch (error) {
      // Includes a reused (already rotated) token: Auth0 has then revoked its whole family.
      if (error instanceof Auth0Refusal) throw new UnauthorizedException(INVALID_REFRESH);
      throw error;
    }
    // Without rotation (an Auth0 application setting) the presented token stays valid and is returned.
    const refreshToken = tokens.refreshToken ?? presented;
    const claims = await this.strategy.verifyToken(tokens.accessToken);
    // The user may have been deleted, or the tenant suspended, since the last login: the session ends here.
    const auth = claims ? await this.access.resolve(claims) : null;
    if (!auth) {
      await this.revokeQuietly(refreshToken);
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    return this.tokenResponse(tokens, refreshToken);
  }

  /**
   * Revokes the refresh token at Auth0. Unlike the built-in issuer we cannot tell whose token it is (Auth0
   * has no refresh-token introspection), but whoever holds a refresh token can use it anyway.
   */
  async logout(auth: AuthContext, presented: string): Promise<void> {
    await this.auth0.revoke(presented);
    await this.db.run(auth.tenantId, (tx) =>
      this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'auth.logout',
        targetType: 'user',
        targetId: auth.userId,
      }),
    );
  }

  /** Ends an Auth0 session we will not hand out; failing to is logged, not fatal (the token is not returned). */
  private async revokeQuietly(refreshToken: string): Promise<void> {
    await this.auth0.revoke(refreshToken).catch((error: unknown) => {
      this.logger.warn({ err: (error as Error).message }, 'Could not revoke an unused Auth0 refresh token');
    });
  }

  private tokenResponse(tokens: Auth0Tokens, refreshToken: string): TokenResponseDto {
    return {
      accessToken: tokens.accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: tokens.expiresIn,
    };
  }
}
