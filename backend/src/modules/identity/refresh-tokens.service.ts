import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { sha256 } from '../../common/crypto/secret-box';
import { TenantTx } from '../../common/database/tenant-database';
import { isUuid } from '../../common/validation/uuid';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';

export type RotationResult =
  | { outcome: 'rotated'; previous: RefreshTokenEntity; token: string }
  | { outcome: 'reused'; familyId: string; userId: string }
  | { outcome: 'invalid' };

/**
 * Opaque refresh tokens: `<tenantId>.<256 random bits>`. The tenant prefix lets a refresh find its tenant
 * without any cross-tenant lookup; only the SHA-256 of the whole token is stored. Each use rotates the token;
 * presenting one that was already rotated revokes its whole family (it was copied).
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly repository: RefreshTokenRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The tenant a token claims to belong to, or null if it is not shaped like one of ours. */
  static tenantOf(token: string): string | null {
    const [tenantId, secret] = token.split('.');
    return isUuid(tenantId) && secret && /^[A-Za-z0-9_-]{43}$/.test(secret) ? tenantId : null;
  }

  /** Starts a new family at login. */
  async issue(tx: TenantTx, userId: string): Promise<string> {
    const now = Date.now();
    const familyExpiresAt = new Date(now + this.config.auth.refreshAbsoluteTtlSeconds * 1000);
    const { token } = await this.insert(tx, randomUUID(), userId, familyExpiresAt);
    return token;
  }

  async rotate(tx: TenantTx, presented: string): Promise<RotationResult> {
    const hash = sha256(presented);
    const previous = await this.repository.consume(tx, hash);
    if (!previous) {
      const known = await this.repository.findByHash(tx, hash);
      if (known && known.usedAt) {
        await this.repository.revokeFamily(tx, known.familyId);
        return { outcome: 'reused', familyId: known.familyId, userId: known.userId };
      }
      return { outcome: 'invalid' };
    }
    const { token, row } = await this.insert(
      tx,
      previous.familyId,
      previous.userId,
      previous.familyExpiresAt,
    );
    await this.repository.setReplacedBy(tx, previous.id, row.id);
    return { outcome: 'rotated', previous, token };
  }

  /** Revokes the family of `presented` if it belongs to `userId`. */
  async revokeFamilyOf(tx: TenantTx, presented: string, userId: string): Promise<boolean> {
    const known = await this.repository.findByHash(tx, sha256(presented));
    if (!known || known.userId !== userId) return false;
    await this.repository.revokeFamily(tx, known.familyId);
    return true;
  }

  revokeAllOfUser(tx: TenantTx, userId: string): Promise<number> {
    return this.repository.revokeAllOfUser(tx, userId);
  }

  private async insert(
    tx: TenantTx,
    familyId: string,
    userId: string,
    familyExpiresAt: Date,
  ): Promise<{ token: string; row: RefreshTokenEntity }> {
    const token = `${tx.tenantId}.${randomBytes(32).toString('base64url')}`;
    const idleExpiry = Date.now() + this.config.auth.refreshIdleTtlSeconds * 1000;
    const row = await this.repository.insert(tx, {
      familyId,
      userId,
      tokenHash: sha256(token),
      expiresAt: new Date(Math.min(idleExpiry, familyExpiresAt.getTime())),
      familyExpiresAt,
    });
    return { token, row };
  }
}
