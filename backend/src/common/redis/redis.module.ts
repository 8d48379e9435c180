import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Command, RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { closeRedis } from './close-redis';
import { REDIS } from './redis.constants';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Creates the shared ioredis client for caches, rate limits and pacing. Every key gets REDIS_KEY_PREFIX.
 * The offline queue is off and every command has a timeout: when Redis is down or hangs, calls fail within a
 * second and callers fall back (caches, general rate limits) or answer 503, never hang a request.
 */
export function createRedisClient(config: AppConfig['redis'], name: string): Redis {
  return new CircuitBreakingRedis(config.url, {
    keyPrefix: config.keyPrefix,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

const COMMAND_TIMEOUT_MS = 500;
const OPEN_FOR_MS = 3000;
const UNAVAILABLE = /timed out|Connection is closed|isn't writeable|ECONNREFUSED|ETIMEDOUT/i;

/**
 * ioredis with a circuit breaker: once a command times out or finds the connection gone, every command fails at
 * once for a few seconds instead of each waiting out its own timeout. A request touching Redis five times
 * (permissions cache, rate limit, queue) then costs one timeout during an outage, not five.
 *
 * The circuit only guards a connection that looks ready (a hung Redis): a connection that is down fails commands
 * at once anyway, and the commands ioredis itself sends while reconnecting (ready check, CLIENT SETNAME) must go
 * through, or a circuit tripped by the outage would keep failing every reconnect. A new ready connection closes it.
 */
export class CircuitBreakingRedis extends Redis {
  private openUntil = 0;

  constructor(url: string, options: RedisOptions) {
    super(url, options);
    this.on('ready', () => {
      this.openUntil = 0;
    });
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    if (this.status === 'ready' && Date.now() < this.openUntil) {
      command.reject(new Error('Redis is unavailable (circuit open)'));
      return command.promise;
    }
    const result = super.sendCommand(command, stream);
    command.promise.catch((error: Error) => {
      if (UNAVAILABLE.test(error.message)) this.openUntil = Date.now() + OPEN_FOR_MS;
    });
    return result;
  }
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
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
