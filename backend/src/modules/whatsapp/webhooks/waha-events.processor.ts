import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppWorkerHost } from '../../../common/queue/app-worker-host';
import { QueueName } from '../../../common/queue/queue-names';
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
@Processor(QueueName.WahaEvents, { autorun: false, concurrency: 8 })
export class WahaEventsProcessor extends AppWorkerHost {
  constructor(
    private readonly db: TenantDatabase,
    private readonly inbox: WebhookInboxRepository,
    private readonly router: WahaEventRouter,
  ) {
    super();
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
    });
    await this.db.run(tenantId, (tx) => this.inbox.markProcessed(tx, eventId));
  }
}
