import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { DomainEvent, UserDeletedEvent } from '../../common/events/domain-events';
import { AuditService } from '../audit/audit.service';
import { TenantsService } from '../tenants/tenants.service';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersService } from '../users/users.service';
import { AccessTokensService } from './access-tokens.service';
import { LoginDto, MeResponseDto, TokenResponseDto } from './auth.dto';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokensService } from './refresh-tokens.service';

const INVALID_LOGIN = 'Invalid tenant, username or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Unknown tenant, unknown user and wrong password give the same 401 after the same bcrypt work, so neither
   * the answer nor its timing tells which part was wrong.
   */
  async login(dto: LoginDto, ip: string): Promise<TokenResponseDto> {
    await this.throttle.before(ip, dto.tenant, dto.username);
    const tenant = await this.tenants.findBySlug(dto.tenant);
    const user =
      tenant && tenant.status === 'active'
        ? await this.db.run(tenant.id, (tx) => this.users.findForLogin(tx, dto.username))
        : null;
    const valid = await this.hasher.verify(dto.password, user?.passwordHash);

    if (!tenant || !user || !valid) {
      await this.throttle.failed(dto.tenant, dto.username);
      if (tenant) {
        await this.db.run(tenant.id, (tx) =>
          this.audit.record(tx, {
            actorUserId: null,
            action: 'auth.login_failed',
            targetType: user ? 'user' : null,
            targetId: user?.id ?? null,
            details: { reason: user ? 'wrong_password' : 'unknown_user' },
          }),
        );
      }
      throw new UnauthorizedException(INVALID_LOGIN);
    }

    await this.throttle.succeeded(dto.tenant, dto.username);
    return this.db.run(tenant.id, async (tx) => {
      const refreshToken = await this.refreshTokens.issue(tx, user.id);
      await this.audit.record(tx, {
        actorUserId: user.id,
        action: 'auth.login',
        targetType: 'user',
        targetId: user.id,
      });
      const accessToken = await this.accessTokens.sign({
        tenantId: tenant.id,
        userId: user.id,
        groupId: user.groupId,
      });
      return this.tokenResponse(accessToken, refreshToken);
    });
  }

  async refresh(presented: string): Promise<TokenResponseDto> {
    const tenantId = RefreshTokensService.tenantOf(presented);
    if (!tenantId) throw new UnauthorizedException(INVALID_REFRESH);
    // The transaction commits revocations before the 401 is thrown, so a detected reuse stays revoked.
    const result = await this.db.run(tenantId, async (tx): Promise<TokenResponseDto | null> => {
      const rotation = await this.refreshTokens.rotate(tx, presented);
      if (rotation.outcome === 'reused') {
        await this.audit.record(tx, {
          actorUserId: rotation.userId,
          action: 'auth.refresh_reuse_detected',
          targetType: 'user',
          targetId: rotation.userId,
          details: { familyId: rotation.familyId },
        });
        this.logger.warn({ tenantId, familyId: rotation.familyId }, 'Refresh token reuse: family revoked');
        return null;
      }
      if (rotation.outcome === 'invalid') return null;
      const user = await this.users.findById(tx, rotation.previous.userId);
      if (!user || !(await this.tenants.isActive(tx))) {
        await this.refreshTokens.revokeAllOfUser(tx, rotation.previous.userId);
        return null;
      }
      const accessToken = await this.accessTokens.sign({ tenantId, userId: user.id, groupId: user.groupId });
      return this.tokenResponse(accessToken, rotation.token);
    });
    if (!result) throw new UnauthorizedException(INVALID_REFRESH);
    return result;
  }

  async logout(auth: AuthContext, presented: string): Promise<void> {
    if (RefreshTokensService.tenantOf(presented) !== auth.tenantId) return;
    await this.db.run(auth.tenantId, async (tx) => {
      if (await this.refreshTokens.revokeFamilyOf(tx, presented, auth.userId)) {
        await this.audit.record(tx, {
          actorUserId: auth.userId,
          action: 'auth.logout',
          targetType: 'user',
          targetId: auth.userId,
        });
      }
    });
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

  /** A deleted user's sessions end at once: every refresh-token family is revoked. */
  @OnEvent(DomainEvent.UserDeleted, { promisify: true })
  async onUserDeleted(event: UserDeletedEvent): Promise<void> {
    await this.db.run(event.tenantId, (tx) => this.refreshTokens.revokeAllOfUser(tx, event.userId));
  }

  private tokenResponse(accessToken: string, refreshToken: string): TokenResponseDto {
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.accessTokens.ttlSeconds };
  }
}
