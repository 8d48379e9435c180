import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { PeriodicTasks } from '../../../common/queue/periodic-tasks.service';
import { QueueName } from '../../../common/queue/queue-names';
import { QueueProcessor, QueueWorkers } from '../../../common/queue/queue-workers.service';
import { DeviceLifecycleService, DeviceWatchdogJob } from '../devices/device-lifecycle.service';
import { WahaServerMonitorService } from './waha-server-monitor.service';

const INBOX_SWEEP_MS = 15_000;

/** Runs device watchdogs (delayed jobs) and schedules the WAHA server checks and the inbox sweep. */
@Injectable()
export class DeviceMaintenanceProcessor implements QueueProcessor, OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(DeviceMaintenanceProcessor.name);

  constructor(
    private readonly lifecycle: DeviceLifecycleService,
    private readonly monitor: WahaServerMonitorService,
    private readonly periodic: PeriodicTasks,
    private readonly workers: QueueWorkers,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.workers.register(QueueName.DeviceMaintenance, this, 2);
  }

  onApplicationBootstrap(): void {
    this.periodic.every('waha-check-servers', this.config.waha.checkIntervalSeconds * 1000, () =>
      this.monitor.checkServers(),
    );
    this.periodic.every('waha-sweep-inbox', INBOX_SWEEP_MS, () => this.monitor.sweepInbox());
  }

  async process(job: Job): Promise<void> {
    if (job.name === 'starting-watchdog') return this.lifecycle.checkStarting(job.data as DeviceWatchdogJob);
    this.logger.warn({ name: job.name }, 'Unknown maintenance job');
  }
}
