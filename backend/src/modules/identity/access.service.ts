import { Injectable } from '@nestjs/common';
import { AccessCache, CachedUser } from '../../common/auth/access-cache';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { TenantDatabase } from '../../common/database/tenant-database';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { VerifiedClaims } from './jwt.strategy';
import { SubjectLinkService } from './subject-link.service';

/**
 * Turns verified token claims into an AuthContext from the user's *current* state: the token says who, the
 * database (through the Redis cache) says what they may do now. Deleted users and suspended tenants get null.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly cache: AccessCache,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly subjects: SubjectLinkService,
  ) {}

  async resolve(claims: VerifiedClaims): Promise<AuthContext | null> {
    const { tenantId } = claims;
    // Built-in tokens name their user; Auth0 tokens are linked (or provisioned) by `sub`.
    const userId = await this.subjects.userIdFor(claims);
    if (!userId) return null;

    const user = await this.cache.user(tenantId, userId, () =>
      this.db.run(tenantId, async (tx): Promise<CachedUser | null> => {
        const row = await this.users.findById(tx, userId);
        if (!row) return null;
        return {
          username: row.username,
          groupId: row.groupId,
          tenantActive: await this.tenants.isActive(tx),
        };
      }),
    );
    if (!user || !user.tenantActive) return null;

    const permissions = await this.cache.group(tenantId, user.groupId, () =>
      this.db.run(tenantId, (tx) => this.users.groupPermissions(tx, user.groupId)),
    );
    if (!permissions) return null;

    return {
      tenantId,
      userId,
      groupId: user.groupId,
      username: user.username,
      permissions: new Set<Permission>(permissions),
    };
  }
}
