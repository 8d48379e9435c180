import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { enqueue } from '../../common/queue/enqueue';
import { QueueName } from '../../common/queue/queue-names';

export interface SendJob {
  tenantId: string;
  messageId: string;
  /** The pacing slot this job reserved (ms since epoch), so a delayed job does not reserve twice. */
  slotAt?: number;
}

/** BullMQ allows priorities up to 2^21; a larger backlog simply shares the lowest priority. */
const MAX_PRIORITY = 2_097_152;

/**
 * The send queue. The job id is the message id (so a message is queued at most once however often the
 * recovery sweep looks at it). Priority = the tenant's backlog when the message was accepted: the n-th
 * pending message of a tenant waits behind the first n-1 of every tenant, never behind another tenant's whole
 * backlog, which keeps tenants fair with plain BullMQ.
 */
@Injectable()
export class MessageQueueService {
  constructor(
    @InjectQueue(QueueName.Messages) private readonly queue: Queue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  enqueueSend(tenantId: string, messageId: string, backlog: number): Promise<void> {
    const job: SendJob = { tenantId, messageId };
    return enqueue(this.queue, 'send', job, {
      jobId: messageId,
      priority: Math.min(Math.max(backlog, 1), MAX_PRIORITY),
      attempts: this.config.messaging.sendAttempts,
      backoff: { type: 'exponential', delay: this.config.messaging.retryDelayMs, jitter: 0.5 },
      // Finished jobs leave Redis at once: PostgreSQL keeps the record, and a job id that no longer exists can
      // be queued again by the recovery sweep should the message still be unfinished.
      removeOnComplete: true,
      removeOnFail: true,
    });
  }
}
