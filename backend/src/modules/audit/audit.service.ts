import { Injectable } from '@nestjs/common';
import { AuthContext } from '../../common/auth/auth-context';
import { RequestContext } from '../../common/context/request-context';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { AuditLogPageDto, AuditLogQueryDto, mapAuditLog } from './audit.dto';
import { AuditEntry, AuditRepository } from './audit.repository';

/**
 * Audit trail of sensitive operations, per tenant. Written in the same transaction as the change it records,
 * so the two commit or roll back together. Entries carry ids and masked values, never secrets or message text.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly repository: AuditRepository,
  ) {}

  async record(tx: TenantTx, entry: Omit<AuditEntry, 'ip' | 'requestId'>): Promise<void> {
    const context = RequestContext.current();
    await this.repository.insert(tx, {
      ...entry,
      ip: context?.ip ?? null,
      requestId: context?.requestId ?? null,
    });
  }

  async list(auth: AuthContext, query: AuditLogQueryDto): Promise<AuditLogPageDto> {
    const cursor = decodeCursor(
      query.cursor,
      (v): v is { id: string } => typeof v.id === 'string' && /^\d+$/.test(v.id),
    );
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.run(auth.tenantId, (tx) =>
      this.repository.page(tx, { limit: limit + 1, beforeId: cursor?.id ?? null, action: query.action }),
    );
    const items = rows.slice(0, limit).map(mapAuditLog);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null };
  }
}
