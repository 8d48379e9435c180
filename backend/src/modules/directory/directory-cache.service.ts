import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { InjectRedis } from '../../common/redis/redis.constants';

const TTL_SECONDS = 60;

/**
 * Cache of the hot directory pages (the first page of contacts and of groups, unfiltered). Keys carry the
 * tenant and a per-tenant version that every sync and group event bumps, so invalidation is one INCR.
 * Redis trouble only means a cache miss.
 */
@Injectable()
export class DirectoryCache {
  constructor(@InjectRedis() private readonly redis: Redis) {}

  async get<T>(
    tenantId: string,
    kind: string,
    scope: string[],
  ): Promise<{ key: string | null; value: T | null }> {
    try {
      const version = (await this.redis.get(`dir:${tenantId}:ver`)) ?? '0';
      const key = `dir:${tenantId}:${kind}:${version}:${createHash('sha1').update(scope.join(',')).digest('hex')}`;
      const raw = await this.redis.get(key);
      return { key, value: raw ? (JSON.parse(raw) as T) : null };
    } catch {
      return { key: null, value: null };
    }
  }

  async set(key: string | null, value: unknown): Promise<void> {
    if (!key) return;
    await this.redis.set(key, JSON.stringify(value), 'EX', TTL_SECONDS).catch(() => undefined);
  }

  async invalidate(tenantId: string): Promise<void> {
    await this.redis.incr(`dir:${tenantId}:ver`).catch(() => undefined);
  }
}
