import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { InjectRedis } from '../redis/redis.constants';

/**
 * Recurring maintenance (recovery sweeps, WAHA server checks) in every process that runs workers. Timers live
 * in the process rather than in Redis, so they keep running even when Redis lost its data; a short Redis lock
 * per tick makes one process do each tick.
 */
@Injectable()
export class PeriodicTasks implements OnApplicationShutdown {
  private readonly logger = new Logger(PeriodicTasks.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  every(name: string, intervalMs: number, task: () => Promise<void>): void {
    if (!this.config.workers.inProcess) return;
    const timer = setInterval(() => void this.tick(name, intervalMs, task), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async tick(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
    if (this.running.has(name)) return;
    this.running.add(name);
    try {
      const lock = await this.redis.set(
        `lock:${name}`,
        String(process.pid),
        'PX',
        Math.max(intervalMs - 50, 50),
        'NX',
      );
      if (lock !== 'OK') return;
      await task();
    } catch (error) {
      this.logger.warn({ task: name, err: (error as Error).message }, 'Periodic task failed');
    } finally {
      this.running.delete(name);
    }
  }
}
