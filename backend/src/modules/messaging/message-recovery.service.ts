import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { TenantDatabase } from '../../common/database/tenant-database';
import { PeriodicTasks } from '../../common/queue/periodic-tasks.service';
import { MessageQueueService } from './message-queue.service';

const SWEEP_EVERY_MS = 5000;
const SWEEP_BATCH = 500;

/**
 * The other half of "accepted means never lost": PostgreSQL is the record of what must be sent, Redis only
 * holds the work queue. Sends still queued or sending after MESSAGE_RECOVER_AFTER_SECONDS (Redis was down at
 * accept time, lost its data, or a worker died) are queued again; the message id as job id makes re-adding a
 * job that still exists a no-op.
 */
@Injectable()
export class MessageRecoveryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MessageRecoveryService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly queue: MessageQueueService,
    private readonly periodic: PeriodicTasks,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.every('messages-recovery', SWEEP_EVERY_MS, () => this.sweep().then(() => undefined));
  }

  async sweep(): Promise<number> {
    const stuck = await this.db.crossTenant<{ tenant_id: string; id: string }>('app_unfinished_messages', [
      this.config.messaging.recoverAfterSeconds,
      SWEEP_BATCH,
    ]);
    let queued = 0;
    for (const row of stuck) {
      try {
        await this.queue.enqueueSend(row.tenant_id, row.id, null);
        queued++;
      } catch {
        break; // Redis still unavailable: the next sweep tries again.
      }
    }
    if (queued) this.logger.log({ queued }, 'Recovery sweep re-queued unfinished sends');
    return queued;
  }
}
