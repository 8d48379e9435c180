import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { REDIS } from './redis.constants';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Creates the shared ioredis client for caches, rate limits and pub/sub. Every key gets REDIS_KEY_PREFIX.
 * The offline queue is off: when Redis is down, calls fail at once and callers fall back (caches) or answer
 * 503 instead of hanging.
 */
export function createRedisClient(config: AppConfig['redis'], name: string): Redis {
  return new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Redis => {
        const client = createRedisClient(config.redis, 'api');
        const logger = new Logger('Redis');
        client.on('error', (error: Error) => logger.warn({ err: error.message }, 'Redis connection error'));
        return client;
      },
    },
    RedisLifecycle,
    RedisThrottlerStorage,
  ],
  exports: [REDIS, RedisThrottlerStorage],
})
export class RedisModule {}
