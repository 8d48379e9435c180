import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';
import { AuditLogEntity } from './audit-log.entity';

export interface AuditEntry {
  actorUserId: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  async insert(tx: TenantTx, entry: AuditEntry): Promise<void> {
    await queryRows(
      tx.em,
      `INSERT INTO audit_log (tenant_id, actor_user_id, action, target_type, target_id, ip, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        tx.tenantId,
        entry.actorUserId,
        entry.action,
        entry.targetType ?? null,
        entry.targetId ?? null,
        entry.ip ?? null,
        entry.requestId ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  /** Newest first, keyset on the identity column (the primary key index serves it). */
  page(
    tx: TenantTx,
    options: { limit: number; beforeId: string | null; action?: string },
  ): Promise<AuditLogEntity[]> {
    const query = tx.em
      .getRepository(AuditLogEntity)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId: tx.tenantId });
    if (options.beforeId) query.andWhere('a.id < :beforeId', { beforeId: options.beforeId });
    if (options.action) query.andWhere('a.action = :action', { action: options.action });
    return query.orderBy('a.id', 'DESC').limit(options.limit).getMany();
  }
}
