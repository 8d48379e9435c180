import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { AuditService } from '../audit/audit.service';
import { TenantsService } from '../tenants/tenants.service';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersService } from '../users/users.service';
import { AccessTokensService } from './access-tokens.service';
import { LoginDto, TokenResponseDto } from './auth.dto';
import { RefreshTokensService } from './refresh-tokens.service';
import { INVALID_REFRESH, LoginOutcome, TokenIssuer } from './token-issuer';

/**
 * The built-in issuer (AUTH_MODE=local): bcrypt-checked passwords, access tokens signed with our own key,
 * opaque rotating refresh tokens stored as hashes.
 */
@Injectable()
export class LocalTokenIssuer implements TokenIssuer {
  private readonly logger = new Logger(LocalTokenIssuer.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Unknown tenant, unknown user and wrong password are refused after the same bcrypt work, so neither the
   * answer nor its timing tells which part was wrong.
   */
  async login(dto: LoginDto): Promise<LoginOutcome> {
    const tenant = await this.tenants.findBySlug(dto.tenant);
    const user =
      tenant && tenant.status === 'active'
        ? await this.db.run(tenant.id, (tx) => this.users.findForLogin(tx, dto.username))
        : null;
    const valid = await this.hasher.verify(dto.password, user?.passwordHash);

    if (!tenant || !user || !valid) {
      return {
        outcome: 'refused',
        tenantId: tenant?.id ?? null,
        userId: user?.id ?? null,
        reason: user ? 'wrong_password' : 'unknown_user',
      };
    }

    const tokens = await this.db.run(tenant.id, async (tx) => {
      const refreshToken = await this.refreshTokens.issue(tx, user.id);
      const accessToken = await this.accessTokens.sign({
        tenantId: tenant.id,
        userId: user.id,
        groupId: user.groupId,
      });
      return this.tokenResponse(accessToken, refreshToken);
    });
    return { outcome: 'signed_in', tenantId: tenant.id, userId: user.id, tokens };
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

  private tokenResponse(accessToken: string, refreshToken: string): TokenResponseDto {
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.accessTokens.ttlSeconds };
  }
}
