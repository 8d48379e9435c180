import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { TenantEntity } from './tenant.entity';

export interface TenantRef {
  id: string;
  status: 'active' | 'suspended';
  is_platform: boolean;
}

export interface TenantListRow {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  is_platform: boolean;
  created_at: Date;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly db: TenantDatabase) {}

  /** Inserts the tenant whose id the transaction is scoped to (RLS WITH CHECK requires exactly that). */
  async insert(
    tx: TenantTx,
    tenant: { name: string; slug: string; isPlatform: boolean },
  ): Promise<TenantEntity> {
    const rows = await queryRows<TenantEntity>(
      tx.em,
      `INSERT INTO tenants (id, name, slug, is_platform) VALUES ($1, $2, $3, $4)
       RETURNING id, name, slug, status, is_platform AS "isPlatform", created_at AS "createdAt", updated_at AS "updatedAt"`,
      [tx.tenantId, tenant.name, tenant.slug, tenant.isPlatform],
    );
    return rows[0]!;
  }

  find(tx: TenantTx): Promise<TenantEntity | null> {
    return tx.em.getRepository(TenantEntity).findOneBy({ id: tx.tenantId });
  }

  /** Cross-tenant by design: login only knows the slug. */
  async findBySlug(slug: string): Promise<TenantRef | null> {
    const rows = await this.db.crossTenant<TenantRef>('app_tenant_by_slug', [slug]);
    return rows[0] ?? null;
  }

  /** Cross-tenant by design: the platform operator's tenant list. */
  listAll(): Promise<TenantListRow[]> {
    return this.db.crossTenant<TenantListRow>('app_platform_tenants', []);
  }
}
