import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Job } from 'bullmq';
import { TenantDatabase } from '../../common/database/tenant-database';
import { DeviceWorkingEvent, DomainEvent } from '../../common/events/domain-events';
import { QueueName } from '../../common/queue/queue-names';
import { QueueProcessor, QueueWorkers } from '../../common/queue/queue-workers.service';
import { isUuid } from '../../common/validation/uuid';
import { DirectorySyncService } from '../directory/directory-sync.service';
import { DeviceRepository } from '../whatsapp/devices/device.repository';
import { DevicesService, DirectorySyncJob } from '../whatsapp/devices/devices.service';
import { HistorySyncService } from './history-sync.service';

/**
 * Syncs a device when it reaches WORKING and on POST /whatsapp/devices/:id/sync: contacts and groups, then
 * recent history. Re-running it is harmless (upserts, and history merges by WhatsApp id).
 */
@Injectable()
export class DeviceSyncProcessor implements QueueProcessor, OnModuleInit {
  private readonly logger = new Logger(DeviceSyncProcessor.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly devices: DeviceRepository,
    private readonly deviceService: DevicesService,
    private readonly directory: DirectorySyncService,
    private readonly history: HistorySyncService,
    private readonly workers: QueueWorkers,
  ) {}

  onModuleInit(): void {
    this.workers.register(QueueName.DirectorySync, this, 2);
  }

  @OnEvent(DomainEvent.DeviceWorking, { promisify: true })
  async onDeviceWorking(event: DeviceWorkingEvent): Promise<void> {
    await this.deviceService
      .enqueueSync(event.tenantId, event.deviceId, 'linked')
      .catch((error: unknown) =>
        this.logger.warn({ err: (error as Error).message }, 'Could not queue the first sync'),
      );
  }

  async process(job: Job<DirectorySyncJob>): Promise<void> {
    const { tenantId, deviceId } = job.data;
    if (!isUuid(tenantId) || !isUuid(deviceId)) return;
    const device = await this.db.run(tenantId, (tx) => this.devices.findById(tx, deviceId));
    if (!device || device.status !== 'WORKING') return;
    const directory = await this.directory.sync(device);
    const messages = await this.history.sync(device);
    this.logger.log({ tenantId, deviceId, ...directory, messages }, 'Device synced');
  }
}
