import { ConflictException, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { SystemGroupName } from '../../common/auth/permission';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { InjectRedis } from '../../common/redis/redis.constants';
import { isUuid } from '../../common/validation/uuid';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { AuditService } from '../audit/audit.service';
import { TenantsService } from '../tenants/tenants.service';
import { UserGroupEntity } from '../users/user-group.entity';
import { UsersService } from '../users/users.service';
import { VerifiedClaims } from './jwt.strategy';
import { usernameCandidates } from './provisioned-username';

/** Where a provisioned user lands when the token names no group of their tenant. */
const DEFAULT_GROUP: SystemGroupName = 'Viewers';
/** A subject's link never changes (the row keeps it even when deleted), so it may be cached long. */
const LINK_TTL_SECONDS = 3600;
/** A refused provisioning is not retried for this long. */
const REFUSAL_TTL_SECONDS = 60;

type Provisioning = { userId: string } | { refused: string };

/**
 * Finds the user a verified token speaks for.
 *
 * Built-in tokens name their user (`userId`). In AUTH_MODE=auth0 the user is always the one linked to the
 * token's `sub` in the token's tenant (users.auth_subject; a `userId` claim is ignored), and an unknown
 * `sub` is provisioned just in time:
 * - only in an existing, active tenant;
 * - never when the subject is already linked in another tenant (a subject belongs to one tenant for good),
 *   nor when its user here was deleted (deletion must stick, not be undone by the next request);
 * - in the group the `groupId` claim names (id, or name) if that is a group of the tenant, else in Viewers;
 *   after that our database decides the group, as for every other user;
 * - named from the token's username/nickname/email hints if valid and free, else from `sub`.
 */
@Injectable()
export class SubjectLinkService {
  private readonly logger = new Logger(SubjectLinkService.name);
  private readonly provisioning: boolean;
  /**
   * Provisionings of this process run one at a time (each holds a connection and the subject's advisory
   * lock); they are rare: once per new user.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: TenantDatabase,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() config: AppConfig,
  ) {
    this.provisioning = config.auth.mode === 'auth0';
  }

  async userIdFor(claims: VerifiedClaims): Promise<string | null> {
    if (!this.provisioning && claims.userId) return claims.userId;
    const linked = await this.linkedUserId(claims.tenantId, claims.sub);
    if (linked || !this.provisioning) return linked;
    const run = this.queue.then(() => this.provision(claims));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async linkedUserId(tenantId: string, subject: string): Promise<string | null> {
    const key = this.key(tenantId, 'subject', subject);
    const cached = await this.redis.get(key).catch(() => null);
    if (cached) return cached;
    const user = await this.db.run(tenantId, (tx) => this.users.findBySubject(tx, subject));
    if (user) await this.redis.set(key, user.id, 'EX', LINK_TTL_SECONDS).catch(() => undefined);
    return user?.id ?? null;
  }

  private async provision(claims: VerifiedClaims): Promise<string | null> {
    const { tenantId, sub } = claims;
    const refusedKey = this.key(tenantId, 'subject-refused', sub);
    if (await this.redis.exists(refusedKey).catch(() => 0)) return null;

    let result: Provisioning;
    try {
      result = await this.db.run(tenantId, (tx) => this.link(tx, claims));
    } catch (error) {
      // Another instance took the chosen username in the same instant; the next request tries again.
      if (error instanceof ConflictException) {
        this.logger.warn({ tenantId }, 'Provisioning raced for a username; refused this request');
        return null;
      }
      throw error;
    }

    if ('refused' in result) {
      this.logger.warn({ tenantId, reason: result.refused }, 'Token subject not provisioned');
      await this.redis.set(refusedKey, result.refused, 'EX', REFUSAL_TTL_SECONDS).catch(() => undefined);
      return null;
    }
    await this.redis
      .set(this.key(tenantId, 'subject', sub), result.userId, 'EX', LINK_TTL_SECONDS)
      .catch(() => undefined);
    return result.userId;
  }

  private async link(tx: TenantTx, claims: VerifiedClaims): Promise<Provisioning> {
    const { sub } = claims;
    // Held until commit: a concurrent first request for this subject, here or in another tenant, waits
    // and then sees this one's result.
    await this.users.lockSubject(tx, sub);
    if (!(await this.tenants.isActive(tx))) return { refused: 'tenant_unavailable' };

    const existing = await this.users.findLinkedUser(tx, sub);
    if (existing) return existing.deletedAt ? { refused: 'user_deleted' } : { userId: existing.id };
    if (await this.linkedInAnotherTenant(tx, sub)) return { refused: 'subject_of_another_tenant' };

    const placement = await this.initialGroup(tx, claims.groupId);
    if (!placement) return { refused: 'no_default_group' };
    const username = await this.freeUsername(tx, usernameCandidates(claims.profile, sub));
    if (!username) return { refused: 'no_free_username' };

    const user = await this.users.insertUser(tx, {
      username,
      passwordHash: null,
      groupId: placement.group.id,
      authSubject: sub,
    });
    await this.audit.record(tx, {
      actorUserId: null,
      action: 'user.provisioned',
      targetType: 'user',
      targetId: user.id,
      details: {
        username,
        subject: sub,
        groupId: placement.group.id,
        groupName: placement.group.name,
        groupFromClaim: placement.fromClaim,
      },
    });
    this.logger.log({ tenantId: tx.tenantId, userId: user.id }, 'Provisioned a user from an Auth0 token');
    return { userId: user.id };
  }

  /** Whether the subject is linked in any other tenant (one SECURITY DEFINER lookup, tenant ids only). */
  private async linkedInAnotherTenant(tx: TenantTx, subject: string): Promise<boolean> {
    const rows = await this.db.crossTenant<{ tenant_id: string }>('app_subject_tenants', [subject], tx.em);
    return rows.some((row) => row.tenant_id !== tx.tenantId);
  }

  private async initialGroup(
    tx: TenantTx,
    claim: string | null,
  ): Promise<{ group: UserGroupEntity; fromClaim: boolean } | null> {
    if (claim) {
      const named = isUuid(claim)
        ? await this.users.findGroup(tx, claim)
        : await this.users.findGroupByName(tx, claim);
      if (named) return { group: named, fromClaim: true };
    }
    const fallback = await this.users.findGroupByName(tx, DEFAULT_GROUP);
    return fallback?.system ? { group: fallback, fromClaim: false } : null;
  }

  private async freeUsername(tx: TenantTx, candidates: string[]): Promise<string | null> {
    for (const candidate of candidates) {
      if (!(await this.users.findForLogin(tx, candidate))) return candidate;
    }
    return null;
  }

  private key(tenantId: string, kind: string, subject: string): string {
    const digest = createHash('sha256').update(subject).digest('hex').slice(0, 32);
    return `authz:${tenantId}:${kind}:${digest}`;
  }
}
