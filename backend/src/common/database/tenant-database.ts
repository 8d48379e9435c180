import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../validation/uuid';

/**
 * One unit of work inside one tenant. Repositories take it as their first argument, so a query without a
 * tenant scope does not type-check, and every query they run sees only this tenant's rows (RLS).
 */
export interface TenantTx {
  readonly tenantId: string;
  readonly em: EntityManager;
}

@Injectable()
export class TenantDatabase {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a transaction whose first statement sets `app.tenant_id` for this transaction only
   * (`set_config(..., true)` = SET LOCAL), so a pooled connection never carries one tenant into the next
   * borrower's work.
   */
  async run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('TenantDatabase.run needs a tenant id');
    return this.dataSource.transaction(async (em) => {
      await em.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      return work({ tenantId, em });
    });
  }

  /**
   * Calls one of the SECURITY DEFINER functions (`app_*`, defined in migrations) that cross tenants by design:
   * tenant by slug at login, the platform's tenant list, the owner of a WAHA session. They return ids and
   * little else; all further work then happens inside `run()` for the tenant found.
   */
  async crossTenant<T>(fn: `app_${string}`, params: unknown[], em?: EntityManager): Promise<T[]> {
    if (!/^app_[a-z_]+$/.test(fn)) throw new Error(`Not a lookup function: ${fn}`);
    const placeholders = params.map((_, i) => `$${i + 1}`).join(', ');
    return (em ?? this.dataSource.manager).query(`SELECT * FROM ${fn}(${placeholders})`, params);
  }
}
