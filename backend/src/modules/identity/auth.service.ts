import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { DomainEvent, UserDeletedEvent } from '../../common/events/domain-events';
import { AuditService } from '../audit/audit.service';
import { LoginDto, MeResponseDto, TokenResponseDto } from './auth.dto';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokensService } from './refresh-tokens.service';
import { INVALID_LOGIN, TOKEN_ISSUER, TokenIssuer } from './token-issuer';

/**
 * The identity endpoints. Tokens come from the TokenIssuer of the configured AUTH_MODE (built-in or Auth0);
 * this service adds what both share: the login throttle, the login audit and one 401 for every refusal.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly db: TenantDatabase,
    @Inject(TOKEN_ISSUER) private readonly issuer: TokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  async login(dto: LoginDto, ip: string): Promise<TokenResponseDto> {
    await this.throttle.before(ip, dto.tenant, dto.username);
    const result = await this.issuer.login(dto, ip);

    if (result.outcome === 'refused') {
      await this.throttle.failed(dto.tenant, dto.username);
      const { tenantId, userId, reason } = result;
      if (tenantId) {
        await this.db.run(tenantId, (tx) =>
          this.audit.record(tx, {
            actorUserId: null,
            action: 'auth.login_failed',
            targetType: userId ? 'user' : null,
            targetId: userId,
            details: { reason },
          }),
        );
      }
      throw new UnauthorizedException(INVALID_LOGIN);
    }

    await this.throttle.succeeded(dto.tenant, dto.username);
    await this.db.run(result.tenantId, (tx) =>
      this.audit.record(tx, {
        actorUserId: result.userId,
        action: 'auth.login',
        targetType: 'user',
        targetId: result.userId,
      }),
    );
    return result.tokens;
  }

  refresh(presented: string): Promise<TokenResponseDto> {
    return this.issuer.refresh(presented);
  }

  logout(auth: AuthContext, presented: string): Promise<void> {
    return this.issuer.logout(auth, presented);
  }

  me(auth: AuthContext): MeResponseDto {
    return {
      userId: auth.userId,
      tenantId: auth.tenantId,
      groupId: auth.groupId,
      username: auth.username,
      permissions: [...auth.permissions].sort(),
    };
  }

  /** A deleted user's sessions with the built-in issuer end at once: every refresh-token family is revoked. */
  @OnEvent(DomainEvent.UserDeleted, { promisify: true })
  async onUserDeleted(event: UserDeletedEvent): Promise<void> {
    await this.db.run(event.tenantId, (tx) => this.refreshTokens.revokeAllOfUser(tx, event.userId));
  }
}
