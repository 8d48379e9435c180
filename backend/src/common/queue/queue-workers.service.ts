import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { settlesWithin } from '../async/settles-within';
import { InjectConfig } from '../../config/config.module';
import { QueueName } from './queue-names';
import { bullConnection } from './redis-connection';

export interface QueueProcessor {
  process(job: Job, token?: string): Promise<void>;
}

/** Longer than any single job normally takes (a WAHA call is bounded by WAHA_TIMEOUT_MS). */
const CLOSE_GRACE_MS = 15_000;
const FORCE_CLOSE_MS = 2_000;

interface Registration {
  queue: QueueName;
  processor: QueueProcessor;
  concurrency: number;
}

/**
 * Runs the BullMQ workers of this process. Processors register themselves; workers start only in processes
 * that run workers (the API by default, WORKERS_IN_PROCESS=true; `npm run worker` always), with the lock
 * duration and concurrency from the configuration. On shutdown, workers finish their active jobs first.
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly registrations: Registration[] = [];
  private readonly workers: Worker[] = [];

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  register(queue: QueueName, processor: QueueProcessor, concurrency = 1): void {
    this.registrations.push({ queue, processor, concurrency });
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers.inProcess) return;
    const { lockDurationMs } = this.config.workers;
    for (const { queue, processor, concurrency } of this.registrations) {
      const worker = new Worker(queue, (job, token) => processor.process(job, token), {
        connection: bullConnection(this.config.redis.url),
        prefix: `${this.config.redis.keyPrefix}bull`,
        concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: lockDurationMs,
        maxStalledCount: 3,
      });
      worker.on('error', (error) => this.logger.warn({ queue, err: error.message }, 'Worker error'));
      worker.on('failed', (job, error) =>
        this.logger.warn(
          { queue, jobId: job?.id, attempt: job?.attemptsMade, err: error.message },
          'Job attempt failed',
        ),
      );
      this.workers.push(worker);
    }
  }

  /** Before the HTTP server, sockets and connections go: active jobs finish while everything they use is up. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.close(worker)));
  }

  /**
   * Waits for active jobs, but not forever: a worker stuck on an unreachable Redis is closed by force, and one that
   * cannot even do that (Redis hung) has its connections dropped. A job cut off this way is picked up again by the
   * stalled-job check or the recovery sweep.
   */
  private async close(worker: Worker): Promise<void> {
    if (await settlesWithin(worker.close(), CLOSE_GRACE_MS)) return;
    this.logger.warn({ queue: worker.name }, 'Worker did not stop in time; closing it by force');
    if (await settlesWithin(worker.close(true), FORCE_CLOSE_MS)) return;
    await worker.disconnect().catch(() => undefined);
  }
}
