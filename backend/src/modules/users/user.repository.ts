import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { IsNull } from 'typeorm';
import { TenantTx } from '../../common/database/tenant-database';
import { UserEntity } from './user.entity';

/** Key space of the per-subject advisory locks (two-int form, apart from the single-key locks). */
const SUBJECT_LOCK_CLASS = 724_100_003;

export interface NewUser {
  username: string;
  passwordHash: string | null;
  groupId: string;
  authSubject?: string | null;
}

/** Users of one tenant. Deleted users keep their row (history points at them) and are invisible here. */
@Injectable()
export class UserRepository {
  private repo(tx: TenantTx) {
    return tx.em.getRepository(UserEntity);
  }

  findById(tx: TenantTx, id: string): Promise<UserEntity | null> {
    return this.repo(tx).findOneBy({ tenantId: tx.tenantId, id, deletedAt: IsNull() });
  }

  findByUsername(tx: TenantTx, username: string): Promise<UserEntity | null> {
    return this.repo(tx)
      .createQueryBuilder('u')
      .where('u.tenant_id = :tenantId AND lower(u.username) = lower(:username) AND u.deleted_at IS NULL', {
        tenantId: tx.tenantId,
        username,
      })
      .getOne();
  }

  findBySubject(tx: TenantTx, subject: string): Promise<UserEntity | null> {
    return this.repo(tx).findOneBy({ tenantId: tx.tenantId, authSubject: subject, deletedAt: IsNull() });
  }

  /** The user linked to an external subject, deleted or not: a deleted user's row keeps its subject. */
  findLinked(tx: TenantTx, subject: string): Promise<UserEntity | null> {
    return this.repo(tx).findOneBy({ tenantId: tx.tenantId, authSubject: subject });
  }

  /**
   * Serialises work on one external subject until the transaction ends, in every tenant and every instance
   * (a transaction-scoped advisory lock in its own key space).
   */
  async lockSubject(tx: TenantTx, subject: string): Promise<void> {
    await tx.em.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SUBJECT_LOCK_CLASS, subject]);
  }

  list(tx: TenantTx): Promise<UserEntity[]> {
    return this.repo(tx).find({
      where: { tenantId: tx.tenantId, deletedAt: IsNull() },
      order: { username: 'ASC', id: 'ASC' },
    });
  }

  async insert(tx: TenantTx, user: NewUser): Promise<UserEntity> {
    const rows = await queryRows<UserEntity>(
      tx.em,
      `INSERT INTO users (tenant_id, username, password_hash, group_id, auth_subject)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING tenant_id AS "tenantId", id, username, password_hash AS "passwordHash",
                 auth_subject AS "authSubject", group_id AS "groupId", created_at AS "createdAt",
                 updated_at AS "updatedAt", deleted_at AS "deletedAt"`,
      [tx.tenantId, user.username, user.passwordHash, user.groupId, user.authSubject ?? null],
    );
    return rows[0]!;
  }

  async updateGroup(tx: TenantTx, id: string, groupId: string): Promise<void> {
    await this.repo(tx).update(
      { tenantId: tx.tenantId, id, deletedAt: IsNull() },
      { groupId, updatedAt: new Date() },
    );
  }

  async updatePasswordHash(tx: TenantTx, id: string, passwordHash: string): Promise<void> {
    await this.repo(tx).update({ tenantId: tx.tenantId, id }, { passwordHash, updatedAt: new Date() });
  }

  async softDelete(tx: TenantTx, id: string): Promise<void> {
    await this.repo(tx).update({ tenantId: tx.tenantId, id, deletedAt: IsNull() }, { deletedAt: new Date() });
  }

  async reassignDeleted(tx: TenantTx, fromGroupId: string, toGroupId: string): Promise<void> {
    await queryRows(
      tx.em,
      `UPDATE users SET group_id = $3 WHERE tenant_id = $1 AND group_id = $2 AND deleted_at IS NOT NULL`,
      [tx.tenantId, fromGroupId, toGroupId],
    );
  }

  countInGroup(tx: TenantTx, groupId: string): Promise<number> {
    return this.repo(tx).countBy({ tenantId: tx.tenantId, groupId, deletedAt: IsNull() });
  }
}
