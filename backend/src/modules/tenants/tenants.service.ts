import { ConflictException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthContext } from '../../common/auth/auth-context';
import { ADMIN_GROUP, Permission } from '../../common/auth/permission';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersService } from '../users/users.service';
import { TenantRef, TenantRepository } from './tenant.repository';
import { CreatedTenantDto, CreateTenantDto, TenantResponseDto } from './tenants.dto';

const SLUG_TAKEN = 'A tenant with this slug already exists';

@Injectable()
export class TenantsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly tenants: TenantRepository,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  async create(auth: AuthContext, dto: CreateTenantDto): Promise<CreatedTenantDto> {
    if (await this.tenants.findBySlug(dto.slug)) throw new ConflictException(SLUG_TAKEN);
    const passwordHash = await this.hasher.hash(dto.admin.password);
    const created = await this.db
      .run(randomUUID(), (tx) =>
        this.provision(
          tx,
          { name: dto.name, slug: dto.slug, isPlatform: false },
          dto.admin.username,
          passwordHash,
          auth.userId,
        ),
      )
      .catch((error: unknown) => {
        if (
          (error as { code?: string }).code === '23505' &&
          (error as { constraint?: string }).constraint === 'tenants_slug_key'
        ) {
          throw new ConflictException(SLUG_TAKEN);
        }
        throw error;
      });
    await this.db.run(auth.tenantId, (tx) =>
      this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'tenant.created',
        targetType: 'tenant',
        targetId: created.id,
        details: { slug: created.slug, name: created.name },
      }),
    );
    return created;
  }

  async list(): Promise<TenantResponseDto[]> {
    const rows = await this.tenants.listAll();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      slug: row.slug,
      status: row.status,
      isPlatform: row.is_platform,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }

  findBySlug(slug: string): Promise<TenantRef | null> {
    return this.tenants.findBySlug(slug.toLowerCase());
  }

  async isActive(tx: TenantTx): Promise<boolean> {
    const tenant = await this.tenants.find(tx);
    return tenant?.status === 'active';
  }

  /**
   * Creates a tenant with its system groups and first Admin, all in the new tenant's own transaction.
   * The platform tenant's Admins additionally get `tenants:manage`.
   */
  async provision(
    tx: TenantTx,
    tenant: { name: string; slug: string; isPlatform: boolean },
    adminUsername: string,
    adminPasswordHash: string,
    actorUserId: string | null,
  ): Promise<CreatedTenantDto> {
    const row = await this.tenants.insert(tx, tenant);
    const groups = await this.users.seedSystemGroups(tx, tenant.isPlatform ? [Permission.TenantsManage] : []);
    const admin = await this.users.insertUser(tx, {
      username: adminUsername,
      passwordHash: adminPasswordHash,
      groupId: groups[ADMIN_GROUP],
    });
    await this.audit.record(tx, {
      actorUserId,
      action: 'tenant.created',
      targetType: 'tenant',
      targetId: row.id,
      details: { slug: row.slug, name: row.name, adminUserId: admin.id },
    });
    return {
      id: row.id,
      name: row.name,
      slug: row.slug,
      admin: { id: admin.id, username: admin.username, groupId: admin.groupId },
    };
  }
}
