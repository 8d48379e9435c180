import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';
import { RefreshTokenEntity } from './refresh-token.entity';

const COLUMNS = `tenant_id AS "tenantId", id, family_id AS "familyId", user_id AS "userId", token_hash AS "tokenHash",
  created_at AS "createdAt", expires_at AS "expiresAt", family_expires_at AS "familyExpiresAt", used_at AS "usedAt",
  revoked_at AS "revokedAt", replaced_by AS "replacedBy"`;

@Injectable()
export class RefreshTokenRepository {
  async insert(
    tx: TenantTx,
    token: { familyId: string; userId: string; tokenHash: Buffer; expiresAt: Date; familyExpiresAt: Date },
  ): Promise<RefreshTokenEntity> {
    const rows = await queryRows<RefreshTokenEntity>(
      tx.em,
      `INSERT INTO refresh_tokens (tenant_id, family_id, user_id, token_hash, expires_at, family_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [tx.tenantId, token.familyId, token.userId, token.tokenHash, token.expiresAt, token.familyExpiresAt],
    );
    return rows[0]!;
  }

  /**
   * Marks the token used if, and only if, it is still live. One statement, so two concurrent refreshes with
   * the same token cannot both succeed.
   */
  async consume(tx: TenantTx, tokenHash: Buffer): Promise<RefreshTokenEntity | null> {
    const rows = await queryRows<RefreshTokenEntity>(
      tx.em,
      `UPDATE refresh_tokens SET used_at = now()
       WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL
         AND expires_at > now() AND family_expires_at > now()
       RETURNING ${COLUMNS}`,
      [tx.tenantId, tokenHash],
    );
    return rows[0] ?? null;
  }

  async findByHash(tx: TenantTx, tokenHash: Buffer): Promise<RefreshTokenEntity | null> {
    const rows = await queryRows<RefreshTokenEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM refresh_tokens WHERE tenant_id = $1 AND token_hash = $2`,
      [tx.tenantId, tokenHash],
    );
    return rows[0] ?? null;
  }

  async setReplacedBy(tx: TenantTx, id: string, replacedBy: string): Promise<void> {
    await queryRows(tx.em, `UPDATE refresh_tokens SET replaced_by = $3 WHERE tenant_id = $1 AND id = $2`, [
      tx.tenantId,
      id,
      replacedBy,
    ]);
  }

  /** Revokes every live token of the family; returns how many were live. */
  async revokeFamily(tx: TenantTx, familyId: string): Promise<number> {
    const rows = await queryRows<unknown>(
      tx.em,
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL RETURNING id`,
      [tx.tenantId, familyId],
    );
    return rows.length;
  }

  async revokeAllOfUser(tx: TenantTx, userId: string): Promise<number> {
    const rows = await queryRows<unknown>(
      tx.em,
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [tx.tenantId, userId],
    );
    return rows.length;
  }
}
