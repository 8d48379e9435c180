import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { AccessCache } from '../../common/auth/access-cache';
import { TokenClaims } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { createRedisClient } from '../../common/redis/redis.module';
import { AppConfig, loadConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { TenantsService } from '../tenants/tenants.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessService } from './access.service';
import { SubjectLinkService } from './subject-link.service';

interface FakeUser {
  username: string;
  groupId: string;
  subject?: string;
}

/** The database as the fakes see it, per tenant. */
class World {
  users = new Map<string, Map<string, FakeUser>>();
  groups = new Map<string, Map<string, Permission[]>>();
  activeTenants = new Set<string>();
  /** Every TenantDatabase.run, with the tenant it was scoped to. */
  runs: string[] = [];
  userReads = 0;
  groupReads = 0;
  /** When set, the next findById waits for it before answering (with what it read before waiting). */
  gate: Promise<void> | null = null;

  tenant(tenantId: string): { users: Map<string, FakeUser>; groups: Map<string, Permission[]> } {
    if (!this.users.has(tenantId)) this.users.set(tenantId, new Map());
    if (!this.groups.has(tenantId)) this.groups.set(tenantId, new Map());
    return { users: this.users.get(tenantId)!, groups: this.groups.get(tenantId)! };
  }
}

function fakes(world: World) {
  const db = {
    run: async <T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> => {
      world.runs.push(tenantId);
      return work({ tenantId, em: {} as TenantTx['em'] });
    },
  };
  const entity = (tenantId: string, id: string, user: FakeUser): UserEntity =>
    ({
      tenantId,
      id,
      username: user.username,
      groupId: user.groupId,
      authSubject: user.subject ?? null,
    }) as UserEntity;
  const users = {
    findById: async (tx: TenantTx, id: string): Promise<UserEntity | null> => {
      world.userReads++;
      const found = world.tenant(tx.tenantId).users.get(id);
      const snapshot = found ? entity(tx.tenantId, id, { ...found }) : null;
      if (world.gate) {
        const gate = world.gate;
        world.gate = null;
        await gate;
      }
      return snapshot;
    },
    findBySubject: async (tx: TenantTx, subject: string): Promise<UserEntity | null> => {
      for (const [id, user] of world.tenant(tx.tenantId).users) {
        if (user.subject === subject) return entity(tx.tenantId, id, user);
      }
      return null;
    },
    groupPermissions: async (tx: TenantTx, groupId: string): Promise<Permission[] | null> => {
      world.groupReads++;
      const permissions = world.tenant(tx.tenantId).groups.get(groupId);
      return permissions ? [...permissions] : null;
    },
  };
  const tenants = {
    isActive: async (tx: TenantTx): Promise<boolean> => world.activeTenants.has(tx.tenantId),
  };
  return {
    db: db as unknown as TenantDatabase,
    users: users as unknown as UsersService,
    tenants: tenants as unknown as TenantsService,
  };
}

const redisUrl = loadConfig().redis.url;

/** Subject linking as in AUTH_MODE=local (lookup only; provisioning has its own e2e suite). */
function links(f: ReturnType<typeof fakes>, redis: Redis): SubjectLinkService {
  const config = { auth: { mode: 'local' } } as AppConfig;
  return new SubjectLinkService(f.db, f.users, f.tenants, null as unknown as AuditService, redis, config);
}

function claims(tenantId: string, userId: string | null, sub = userId ?? 'auth0|someone'): TokenClaims {
  return { sub, tenantId, userId, groupId: null, jti: null };
}

describe('AccessService with the Redis AccessCache', () => {
  const prefix = `test:unit:access:${randomBytes(4).toString('hex')}:`;
  let redis: Redis;
  let raw: Redis;
  let world: World;
  let service: AccessService;
  let cache: AccessCache;
  let tenantA: string;
  let tenantB: string;
  let alice: string;
  let editors: string;
  let viewers: string;

  beforeAll(async () => {
    redis = createRedisClient({ url: redisUrl, keyPrefix: prefix }, 'access-service-spec');
    raw = new Redis(redisUrl);
    // The client has no offline queue: commands sent before it is ready fail (and would fall back).
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  });

  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    await redis.quit();
    await raw.quit();
  });

  beforeEach(() => {
    world = new World();
    tenantA = randomUUID();
    tenantB = randomUUID();
    alice = randomUUID();
    editors = randomUUID();
    viewers = randomUUID();
    world.activeTenants.add(tenantA).add(tenantB);
    const a = world.tenant(tenantA);
    a.users.set(alice, { username: 'alice', groupId: editors, subject: 'auth0|alice' });
    a.groups.set(editors, [Permission.MessagesSend, Permission.LogsView]);
    a.groups.set(viewers, [Permission.LogsView]);
    const f = fakes(world);
    cache = new AccessCache(redis);
    service = new AccessService(f.db, cache, f.users, f.tenants, links(f, redis));
  });

  it("resolves the user's current group and permissions from the database", async () => {
    const auth = await service.resolve(claims(tenantA, alice));
    expect(auth).toEqual({
      tenantId: tenantA,
      userId: alice,
      groupId: editors,
      username: 'alice',
      permissions: new Set([Permission.MessagesSend, Permission.LogsView]),
    });
    expect(world.runs).toEqual([tenantA, tenantA]);
    expect(world.userReads).toBe(1);
    expect(world.groupReads).toBe(1);
  });

  it('serves a cached user and group without touching the database', async () => {
    await service.resolve(claims(tenantA, alice));
    world.runs = [];
    // Changes made behind the cache's back (no invalidation) are not seen: proof the answer came from Redis.
    world.tenant(tenantA).users.get(alice)!.groupId = viewers;
    world.tenant(tenantA).groups.set(editors, []);

    const auth = await service.resolve(claims(tenantA, alice));
    expect(world.runs).toEqual([]);
    expect(auth?.groupId).toBe(editors);
    expect(auth?.permissions).toEqual(new Set([Permission.MessagesSend, Permission.LogsView]));
    expect(await raw.exists(`${prefix}authz:${tenantA}:user:${alice}`)).toBe(1);
    expect(await raw.exists(`${prefix}authz:${tenantA}:group:${editors}`)).toBe(1);
  });

  it('invalidateUser forces the user to be read again (a group change applies to the next request)', async () => {
    await service.resolve(claims(tenantA, alice));
    world.tenant(tenantA).users.get(alice)!.groupId = viewers;
    await cache.invalidateUser(tenantA, alice);

    const auth = await service.resolve(claims(tenantA, alice));
    expect(world.userReads).toBe(2);
    expect(auth?.groupId).toBe(viewers);
    expect(auth?.permissions).toEqual(new Set([Permission.LogsView]));
  });

  it('invalidateGroup forces the permissions to be read again, and leaves the user cached', async () => {
    await service.resolve(claims(tenantA, alice));
    world.tenant(tenantA).groups.set(editors, [Permission.DevicesLink]);
    await cache.invalidateGroup(tenantA, editors);

    const auth = await service.resolve(claims(tenantA, alice));
    expect(world.groupReads).toBe(2);
    expect(world.userReads).toBe(1);
    expect(auth?.permissions).toEqual(new Set([Permission.DevicesLink]));
  });

  it('never serves a value that was read before an invalidation, even if it reaches Redis after it', async () => {
    await service.resolve(claims(tenantA, alice));
    await cache.invalidateUser(tenantA, alice); // start from a cache miss with a non-zero generation

    // 1. A request starts loading Alice (still an Editor) and stalls before it can cache the row.
    let release!: () => void;
    world.gate = new Promise<void>((resolve) => (release = resolve));
    const slow = service.resolve(claims(tenantA, alice));
    await waitFor(() => world.userReads === 2);

    // 2. Meanwhile an admin moves her to Viewers and the change commits and invalidates.
    world.tenant(tenantA).users.get(alice)!.groupId = viewers;
    await cache.invalidateUser(tenantA, alice);

    // 3. The stale read now completes and writes its (old) value to Redis.
    release();
    expect((await slow)?.groupId).toBe(editors);
    const stored = JSON.parse((await raw.get(`${prefix}authz:${tenantA}:user:${alice}`))!) as {
      g: string;
      v: { groupId: string };
    };
    expect(stored.v.groupId).toBe(editors);

    // 4. The very next request must not be served that stale value.
    const next = await service.resolve(claims(tenantA, alice));
    expect(world.userReads).toBe(3);
    expect(next?.groupId).toBe(viewers);
    expect(next?.permissions).toEqual(new Set([Permission.LogsView]));
  });

  it('returns null for a deleted user, also after the user had been cached', async () => {
    expect(await service.resolve(claims(tenantA, randomUUID()))).toBeNull();

    expect(await service.resolve(claims(tenantA, alice))).not.toBeNull();
    world.tenant(tenantA).users.delete(alice);
    await cache.invalidateUser(tenantA, alice);
    expect(await service.resolve(claims(tenantA, alice))).toBeNull();
    // A miss is not cached: the next request asks the database again.
    expect(await service.resolve(claims(tenantA, alice))).toBeNull();
    expect(world.userReads).toBe(4);
  });

  it('returns null when the tenant is suspended', async () => {
    world.activeTenants.delete(tenantA);
    expect(await service.resolve(claims(tenantA, alice))).toBeNull();
    expect(world.groupReads).toBe(0);
  });

  it("returns null when the user's group no longer exists", async () => {
    world.tenant(tenantA).groups.delete(editors);
    expect(await service.resolve(claims(tenantA, alice))).toBeNull();
  });

  it('keeps tenants apart: the same user id in another tenant is a different cache entry', async () => {
    await service.resolve(claims(tenantA, alice));
    expect(await service.resolve(claims(tenantB, alice))).toBeNull();
    expect(world.runs).toContain(tenantB);
  });

  it('finds the user by subject when the token carries no userId (Auth0)', async () => {
    const auth = await service.resolve(claims(tenantA, null, 'auth0|alice'));
    expect(auth).toMatchObject({ userId: alice, groupId: editors });
    expect(await service.resolve(claims(tenantA, null, 'auth0|mallory'))).toBeNull();
  });

  describe('when Redis is unavailable', () => {
    let down: Redis;
    let warn: jest.SpyInstance;
    let error: jest.SpyInstance;

    beforeAll(async () => {
      const port = await closedPort();
      down = createRedisClient({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix }, 'down');
      down.on('error', () => undefined);
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    });
    afterAll(() => {
      down.disconnect();
      warn.mockRestore();
      error.mockRestore();
    });

    it('falls back to the database on every request, neither granting nor denying by itself', async () => {
      const f = fakes(world);
      const offline = new AccessService(f.db, new AccessCache(down), f.users, f.tenants, links(f, down));
      const first = await offline.resolve(claims(tenantA, alice));
      expect(first).toMatchObject({ groupId: editors, username: 'alice' });

      world.tenant(tenantA).users.get(alice)!.groupId = viewers;
      const second = await offline.resolve(claims(tenantA, alice));
      expect(second?.permissions).toEqual(new Set([Permission.LogsView]));
      expect(world.userReads).toBe(2);

      world.tenant(tenantA).users.delete(alice);
      expect(await offline.resolve(claims(tenantA, alice))).toBeNull();
      expect(warn).toHaveBeenCalled();
    });

    it('does not throw from an invalidation', async () => {
      await expect(new AccessCache(down).invalidateUser(tenantA, alice)).resolves.toBeUndefined();
      expect(error).toHaveBeenCalled();
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('condition not reached');
}

/** A local port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
