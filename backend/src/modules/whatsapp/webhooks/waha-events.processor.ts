import { Injectable, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueName } from '../../../common/queue/queue-names';
import { QueueProcessor, QueueWorkers } from '../../../common/queue/queue-workers.service';
import { TenantDatabase } from '../../../common/database/tenant-database';
import { isUuid } from '../../../common/validation/uuid';
import { WahaMe } from '../waha/waha.types';
import { WahaEventRouter } from './waha-event-router';
import { WahaEventJob } from './waha-webhook.service';
import { WebhookInboxRepository } from './webhook-inbox.repository';

interface StoredPayload {
  payload: unknown;
  me: WahaMe | null;
}

/**
 * Takes verified events out of the inbox and hands them to their module's handler. An event counts as done
 * only after its handler succeeded, so a crash in between means one more (idempotent) delivery, never none.
 */
@Injectable()
export class WahaEventsProcessor implements QueueProcessor, OnModuleInit {
  constructor(
    private readonly db: TenantDatabase,
    private readonly inbox: WebhookInboxRepository,
    private readonly router: WahaEventRouter,
    private readonly workers: QueueWorkers,
  ) {}

  onModuleInit(): void {
    this.workers.register(QueueName.WahaEvents, this, 8);
  }

  async process(job: Job<WahaEventJob>): Promise<void> {
    const { tenantId, eventId } = job.data;
    if (!isUuid(tenantId) || typeof eventId !== 'string') return;
    const row = await this.db.run(tenantId, (tx) => this.inbox.find(tx, eventId));
    if (!row || row.processedAt) return;
    const stored = row.payload as StoredPayload;
    await this.router.dispatch({
      tenantId,
      deviceId: row.deviceId,
      eventId,
      event: row.event,
      payload: stored.payload,
      me: stored.me,
      timestamp: row.eventTimestamp,
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
    await this.db.run(tenantId, (tx) => this.inbox.markProcessed(tx, eventId));
  }
}
