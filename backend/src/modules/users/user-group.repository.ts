import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';
import { Permission } from '../../common/auth/permission';
import { UserGroupEntity } from './user-group.entity';

@Injectable()
export class UserGroupRepository {
  private repo(tx: TenantTx) {
    return tx.em.getRepository(UserGroupEntity);
  }

  /** With `lock`, holds the row until the transaction ends (serialises "last Admin" checks). */
  findById(tx: TenantTx, id: string, lock = false): Promise<UserGroupEntity | null> {
    const query = this.repo(tx)
      .createQueryBuilder('g')
      .where('g.tenant_id = :tenantId AND g.id = :id', { tenantId: tx.tenantId, id });
    return (lock ? query.setLock('pessimistic_write') : query).getOne();
  }

  findByName(tx: TenantTx, name: string, lock = false): Promise<UserGroupEntity | null> {
    const query = this.repo(tx)
      .createQueryBuilder('g')
      .where('g.tenant_id = :tenantId AND lower(g.name) = lower(:name)', { tenantId: tx.tenantId, name });
    return (lock ? query.setLock('pessimistic_write') : query).getOne();
  }

  list(tx: TenantTx): Promise<UserGroupEntity[]> {
    return this.repo(tx).find({ where: { tenantId: tx.tenantId }, order: { system: 'DESC', name: 'ASC' } });
  }

  async insert(
    tx: TenantTx,
    group: { name: string; permissions: Permission[]; system: boolean },
  ): Promise<UserGroupEntity> {
    const rows = await queryRows<UserGroupEntity>(
      tx.em,
      `INSERT INTO user_groups (tenant_id, name, permissions, system) VALUES ($1, $2, $3, $4)
       RETURNING tenant_id AS "tenantId", id, name, permissions, system, created_at AS "createdAt", updated_at AS "updatedAt"`,
      [tx.tenantId, group.name, group.permissions, group.system],
    );
    return rows[0]!;
  }

  async update(
    tx: TenantTx,
    id: string,
    changes: { name?: string; permissions?: Permission[] },
  ): Promise<void> {
    await this.repo(tx).update({ tenantId: tx.tenantId, id }, { ...changes, updatedAt: new Date() });
  }

  async delete(tx: TenantTx, id: string): Promise<void> {
    await this.repo(tx).delete({ tenantId: tx.tenantId, id });
  }
}
