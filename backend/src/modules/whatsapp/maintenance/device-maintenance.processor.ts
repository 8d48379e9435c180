import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { AppWorkerHost } from '../../../common/queue/app-worker-host';
import { QueueName } from '../../../common/queue/queue-names';
import { DeviceLifecycleService, DeviceWatchdogJob } from '../devices/device-lifecycle.service';
import { WahaServerMonitorService } from './waha-server-monitor.service';

const INBOX_SWEEP_MS = 15_000;

@Processor(QueueName.DeviceMaintenance, { autorun: false, concurrency: 2 })
export class DeviceMaintenanceProcessor extends AppWorkerHost {
  constructor(
    private readonly lifecycle: DeviceLifecycleService,
    private readonly monitor: WahaServerMonitorService,
    @InjectQueue(QueueName.DeviceMaintenance) private readonly queue: Queue,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    super();
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    if (this.config.workers.inProcess) void this.schedule();
  }

  async process(job: Job): Promise<void> {
    switch (job.name) {
      case 'starting-watchdog':
        return this.lifecycle.checkStarting(job.data as DeviceWatchdogJob);
      case 'check-servers':
        return this.monitor.checkServers();
      case 'sweep-inbox':
        return this.monitor.sweepInbox();
      default:
        this.logger.warn({ name: job.name }, 'Unknown maintenance job');
    }
  }

  /** Repeating jobs, registered idempotently by every worker process; BullMQ runs each tick once overall. */
  private async schedule(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(
        'check-servers',
        { every: this.config.waha.checkIntervalSeconds * 1000 },
        { name: 'check-servers', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      await this.queue.upsertJobScheduler(
        'sweep-inbox',
        { every: INBOX_SWEEP_MS },
        { name: 'sweep-inbox', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Could not schedule maintenance jobs');
    }
  }
}
