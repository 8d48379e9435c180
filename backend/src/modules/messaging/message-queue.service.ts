import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { enqueue } from '../../common/queue/enqueue';
import { QueueName } from '../../common/queue/queue-names';
import { InjectRedis } from '../../common/redis/redis.constants';

export interface SendJob {
  tenantId: string;
  messageId: string;
  /** The pacing slot this job reserved (ms since epoch), so a delayed job does not reserve twice. */
  slotAt?: number;
}

/** BullMQ allows priorities up to 2^21; a larger backlog simply shares the lowest priority. */
const MAX_PRIORITY = 2_097_152;

// The tenant's position counter: back to 1 when its backlog was empty, else one more than its previous send.
const NEXT_POSITION = `
if ARGV[1] == '0' then
  redis.call('SET', KEYS[1], '1', 'EX', 86400)
  return 1
end
local position = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
return position`;

/**
 * The send queue. The job id is the message id (so a message is queued at most once however often the
 * recovery sweep looks at it).
 *
 * Fairness with plain BullMQ (which has no per-group limits): a job's priority is its position in its tenant's
 * current backlog (1 when the tenant had nothing pending, then 2, 3, …). The n-th pending message of one tenant
 * waits behind at most the first n-1 of every other tenant, never behind a whole backlog, and positions only
 * grow while a tenant is busy, so each tenant's messages keep their order. One O(1) Redis call per send.
 */
@Injectable()
export class MessageQueueService {
  constructor(
    @InjectQueue(QueueName.Messages) private readonly queue: Queue,
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Queues a send. `backlogBefore`: whether the tenant had other unfinished sends when this one was accepted
   * (null for re-queues by the recovery sweep, which go first: they have waited longest).
   */
  async enqueueSend(tenantId: string, messageId: string, backlogBefore: boolean | null): Promise<void> {
    const position =
      backlogBefore === null
        ? 1
        : Number(await this.redis.eval(NEXT_POSITION, 1, `fair:${tenantId}`, backlogBefore ? '1' : '0'));
    const job: SendJob = { tenantId, messageId };
    return enqueue(this.queue, 'send', job, {
      jobId: messageId,
      priority: Math.min(Math.max(position, 1), MAX_PRIORITY),
      attempts: this.config.messaging.sendAttempts,
      backoff: { type: 'exponential', delay: this.config.messaging.retryDelayMs, jitter: 0.5 },
      // Finished jobs leave Redis at once: PostgreSQL keeps the record, and a job id that no longer exists can
      // be queued again by the recovery sweep should the message still be unfinished.
      removeOnComplete: true,
      removeOnFail: true,
    });
  }
}
