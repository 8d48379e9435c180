import { Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Permission } from './permission';
import { InjectRedis } from '../redis/redis.constants';

export interface CachedUser {
  username: string;
  groupId: string;
  tenantActive: boolean;
}

// Bounds staleness when an invalidation could not reach Redis (SECURITY: permissions cached ≤ 60 s).
const VALUE_TTL_SECONDS = 60;
const GENERATION_TTL_SECONDS = 24 * 3600;

interface Entry<T> {
  /** Generation of the key when the value was read from the database. */
  g: string;
  v: T;
}

/**
 * Redis cache of what authorization needs on every request: a user's current group and a group's permissions.
 *
 * Each key has a generation counter. Writers bump it after their change commits; readers note the generation
 * before they query the database and tag what they cache with it. A value read before a change commits can
 * therefore never be served after it, even if it reaches Redis late: a moved or deleted user is seen on the
 * very next request. Redis trouble never grants or denies anything: reads fall back to the database.
 */
@Injectable()
export class AccessCache {
  private readonly logger = new Logger('AccessCache');

  constructor(@InjectRedis() private readonly redis: Redis) {}

  user(tenantId: string, userId: string, load: () => Promise<CachedUser | null>): Promise<CachedUser | null> {
    return this.getOrLoad(`authz:${tenantId}:user:${userId}`, load);
  }

  group(
    tenantId: string,
    groupId: string,
    load: () => Promise<Permission[] | null>,
  ): Promise<Permission[] | null> {
    return this.getOrLoad(`authz:${tenantId}:group:${groupId}`, load);
  }

  invalidateUser(tenantId: string, userId: string): Promise<void> {
    return this.invalidate(`authz:${tenantId}:user:${userId}`);
  }

  invalidateGroup(tenantId: string, groupId: string): Promise<void> {
    return this.invalidate(`authz:${tenantId}:group:${groupId}`);
  }

  private async getOrLoad<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    let generation: string | null = null;
    try {
      const [raw, gen] = await this.redis.mget(key, `${key}:gen`);
      generation = gen ?? '0';
      if (raw) {
        const entry = JSON.parse(raw) as Entry<T>;
        if (entry.g === generation) return entry.v;
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Access cache unavailable; reading the database');
    }
    const value = await load();
    if (value !== null && generation !== null) {
      const entry: Entry<T> = { g: generation, v: value };
      await this.redis.set(key, JSON.stringify(entry), 'EX', VALUE_TTL_SECONDS).catch(() => undefined);
    }
    return value;
  }

  private async invalidate(key: string): Promise<void> {
    try {
      await this.redis
        .multi()
        .incr(`${key}:gen`)
        .expire(`${key}:gen`, GENERATION_TTL_SECONDS)
        .del(key)
        .exec();
    } catch (error) {
      this.logger.error(
        { err: (error as Error).message },
        `Access cache invalidation failed; the entry expires within ${VALUE_TTL_SECONDS}s`,
      );
    }
  }
}
