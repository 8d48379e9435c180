import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { RateLimitedException } from '../../common/errors/app.exception';
import { InjectRedis } from '../../common/redis/redis.constants';
import { RedisThrottlerStorage } from '../../common/redis/redis-throttler.storage';

/**
 * Brute-force protection for POST /auth/login: every attempt counts against the client IP; failed attempts
 * count against the (tenant, username) pair whether or not that user exists, so the answer never tells which
 * usernames are real. Unlike the general limits, this one fails closed: without Redis, no logins (503).
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);

  constructor(
    private readonly storage: RedisThrottlerStorage,
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private accountKey(tenant: string, username: string): string {
    const digest = createHash('sha256')
      .update(`${tenant.toLowerCase()}\n${username.toLowerCase()}`)
      .digest('hex');
    return `login:account:${digest.slice(0, 32)}`;
  }

  async before(ip: string, tenant: string, username: string): Promise<void> {
    const { loginPerIp, loginPerUsername, loginWindowSeconds } = this.config.rateLimit;
    const windowMs = loginWindowSeconds * 1000;
    try {
      const perIp = await this.storage.hit(`login:ip:${ip}`, windowMs, loginPerIp, windowMs);
      if (perIp.isBlocked)
        throw new RateLimitedException(perIp.timeToBlockExpire, 'Too many login attempts; try again later');
      const key = this.accountKey(tenant, username);
      const [failures, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      if (Number(failures ?? 0) >= loginPerUsername) {
        throw new RateLimitedException(
          Math.ceil(Math.max(ttl, 1000) / 1000),
          'Too many login attempts; try again later',
        );
      }
    } catch (error) {
      if (error instanceof RateLimitedException) throw error;
      this.logger.error({ err: (error as Error).message }, 'Login throttle unavailable; refusing logins');
      throw new ServiceUnavailableException('Login is temporarily unavailable');
    }
  }

  async failed(tenant: string, username: string): Promise<void> {
    const key = this.accountKey(tenant, username);
    await this.redis
      .multi()
      .incr(key)
      .pexpire(key, this.config.rateLimit.loginWindowSeconds * 1000, 'NX')
      .exec()
      .catch(() => undefined);
  }

  async succeeded(tenant: string, username: string): Promise<void> {
    await this.redis.del(this.accountKey(tenant, username)).catch(() => undefined);
  }
}
