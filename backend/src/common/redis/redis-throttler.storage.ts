import { Inject, Injectable, Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { REDIS } from './redis.constants';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

// Fixed window counter plus a block key, in one round trip. Times in milliseconds.
const INCREMENT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(ARGV[2]) + 1, redis.call('PTTL', KEYS[1]), 1, blocked}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}`;

/**
 * Rate-limit counters in Redis, shared by every API instance. When Redis is unreachable the general limits
 * fail open (the API stays up, the outage shows in /health); the login limiter asks for `failClosed`.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.hit(`rl:${name}:${key}`, ttl, limit, blockDuration);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Rate limit storage unavailable; allowing request');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** Counts one hit; throws when Redis is unavailable. */
  async hit(key: string, ttlMs: number, limit: number, blockMs: number): Promise<ThrottlerStorageRecord> {
    const [hits, left, blocked, blockLeft] = (await this.redis.eval(
      INCREMENT,
      2,
      key,
      `${key}:block`,
      String(ttlMs),
      String(limit),
      String(Math.max(blockMs, 1)),
    )) as [number, number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.max(0, Math.ceil(left / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockLeft / 1000)),
    };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(key, `${key}:block`);
  }
}
