import { InjectQueue } from '@nestjs/bullmq';
import {
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { AuthContext } from '../../../common/auth/auth-context';
import { Permission } from '../../../common/auth/permission';
import { TenantDatabase, TenantTx } from '../../../common/database/tenant-database';
import { DeviceDeletedEvent, DeviceQrEvent, DomainEvent } from '../../../common/events/domain-events';
import { enqueue } from '../../../common/queue/enqueue';
import { QueueName } from '../../../common/queue/queue-names';
import { AuditService } from '../../audit/audit.service';
import { WahaPoolService } from '../waha/waha-pool.service';
import { DeviceEntity } from './device.entity';
import { DeviceLifecycleService } from './device-lifecycle.service';
import { DeviceRepository } from './device.repository';
import { DeviceSessionsService, Qr } from './device-sessions.service';
import { CreatedDeviceDto, CreateDeviceDto, DeviceResponseDto, mapDevice } from './devices.dto';

export interface DirectorySyncJob {
  tenantId: string;
  deviceId: string;
  reason: 'linked' | 'manual';
}

/** Admins may use every device of their tenant; everybody else only the devices they linked. */
export function canUseAnyDevice(auth: AuthContext): boolean {
  return auth.permissions.has(Permission.UsersManage);
}

@Injectable()
export class DevicesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly devices: DeviceRepository,
    private readonly sessions: DeviceSessionsService,
    private readonly lifecycle: DeviceLifecycleService,
    private readonly pool: WahaPoolService,
    private readonly audit: AuditService,
    private readonly events: EventEmitter2,
    @InjectQueue(QueueName.DirectorySync) private readonly syncQueue: Queue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Places the device on a WAHA server with room, creates and starts its session (webhook signed with a key
   * generated for this device), and answers with the first QR when WAHA shows it within WAHA_QR_WAIT_MS.
   * If WAHA cannot create the session, the device is not kept.
   */
  async create(auth: AuthContext, dto: CreateDeviceDto): Promise<CreatedDeviceDto> {
    const id = randomUUID();
    const device = await this.db.run(auth.tenantId, async (tx) => {
      const placement = await this.pool.place(tx.em, auth.tenantId, id);
      return this.devices.insert(tx, {
        id,
        userId: auth.userId,
        name: dto.name,
        serverId: placement.serverId,
        sessionName: placement.sessionName,
        webhookKeyEnc: this.sessions.sealWebhookKey(randomBytes(32).toString('hex')),
      });
    });

    try {
      await this.sessions.ensureStarted(device);
      await this.lifecycle.watch(device);
    } catch (error) {
      await this.sessions.remove(device).catch(() => undefined);
      await this.db.run(auth.tenantId, (tx) => this.devices.softDelete(tx, id));
      throw error;
    }

    await this.db.run(auth.tenantId, async (tx) => {
      await this.devices.setActiveIfNone(tx, auth.userId, id);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'device.created',
        targetType: 'device',
        targetId: id,
        details: { name: device.name },
      });
    });

    const qr = await this.sessions.waitForQr(device, this.config.waha.qrWaitMs);
    if (qr) await this.recordQr(device, qr);
    const { entity, activeId } = await this.db.run(auth.tenantId, async (tx) => ({
      entity: (await this.devices.findById(tx, id))!,
      activeId: await this.devices.activeDeviceId(tx, auth.userId),
    }));
    return { ...mapDevice(entity, activeId), qr };
  }

  async list(auth: AuthContext, all: boolean): Promise<DeviceResponseDto[]> {
    if (all && !canUseAnyDevice(auth))
      throw new ForbiddenException('Listing every device needs users:manage');
    return this.db.run(auth.tenantId, async (tx) => {
      const [rows, activeId] = await Promise.all([
        this.devices.listForUser(tx, all ? null : auth.userId),
        this.devices.activeDeviceId(tx, auth.userId),
      ]);
      return rows.map((row) => mapDevice(row, activeId));
    });
  }

  async get(auth: AuthContext, id: string): Promise<DeviceResponseDto> {
    return this.db.run(auth.tenantId, async (tx) => {
      const device = await this.findUsable(tx, auth, id);
      return mapDevice(device, await this.devices.activeDeviceId(tx, auth.userId));
    });
  }

  /**
   * The current QR while the device waits for a scan. A FAILED device (QR attempts exhausted, stuck start) is
   * restarted first, which starts a fresh QR cycle; a STOPPED one is started.
   */
  async qr(auth: AuthContext, id: string): Promise<Qr> {
    const device = await this.db.run(auth.tenantId, (tx) => this.findUsable(tx, auth, id));
    let status = await this.sessions.status(device).catch((error: unknown) => {
      if (error instanceof NotFoundException) return 'STOPPED' as const;
      throw error;
    });
    if (status === 'FAILED' || device.status === 'FAILED') {
      await this.sessions.restart(device);
      const restarted = await this.setLocalStatus(device, 'STARTING', null);
      if (restarted) await this.lifecycle.watch(restarted);
      status = 'STARTING';
    } else if (status === 'STOPPED') {
      await this.sessions.ensureStarted(device);
      status = 'STARTING';
    }
    if (status === 'SCAN_QR_CODE') {
      const qr = await this.sessions.qr(device);
      await this.recordQr(device, qr);
      return qr;
    }
    if (status === 'STARTING') {
      const qr = await this.sessions.waitForQr(device, this.config.waha.qrWaitMs);
      if (qr) {
        await this.recordQr(device, qr);
        return qr;
      }
      throw new ConflictException('The device is still starting; its QR will follow shortly');
    }
    throw new ConflictException(`The device is ${status}; there is no QR to scan`);
  }

  async setActive(auth: AuthContext, deviceId: string): Promise<DeviceResponseDto> {
    return this.db.run(auth.tenantId, async (tx) => {
      const device = await this.findUsable(tx, auth, deviceId);
      await this.devices.setActive(tx, auth.userId, device.id);
      return mapDevice(device, device.id);
    });
  }

  async requestSync(auth: AuthContext, id: string): Promise<void> {
    const device = await this.db.run(auth.tenantId, (tx) => this.findUsable(tx, auth, id));
    if (device.status !== 'WORKING')
      throw new ConflictException(`The device is ${device.status}; it must be WORKING to sync`);
    await this.enqueueSync(auth.tenantId, device.id, 'manual').catch(() => {
      throw new ServiceUnavailableException('The job queue is unavailable; try again shortly');
    });
  }

  /** Queues a directory and history sync; a sync already waiting for the device absorbs this one. */
  enqueueSync(tenantId: string, deviceId: string, reason: DirectorySyncJob['reason']): Promise<void> {
    const job: DirectorySyncJob = { tenantId, deviceId, reason };
    return enqueue(this.syncQueue, 'sync', job, {
      jobId: `sync-${tenantId}-${deviceId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  /** Logs the phone out of WAHA and removes the session; the device's stored history stays. */
  async delete(auth: AuthContext, id: string): Promise<void> {
    const device = await this.db.run(auth.tenantId, (tx) => this.findUsable(tx, auth, id));
    await this.sessions.remove(device);
    await this.db.run(auth.tenantId, async (tx) => {
      await this.devices.clearActive(tx, device.id);
      await this.devices.softDelete(tx, device.id);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'device.deleted',
        targetType: 'device',
        targetId: device.id,
        details: { name: device.name },
      });
    });
    const event: DeviceDeletedEvent = { tenantId: auth.tenantId, deviceId: device.id, userId: device.userId };
    this.events.emit(DomainEvent.DeviceDeleted, event);
  }

  /**
   * The devices a read covers: the named one (any device of the tenant, unlinked ones included, since their
   * history stays), or by default the devices the caller may use.
   */
  async readableDeviceIds(tx: TenantTx, auth: AuthContext, deviceId: string | undefined): Promise<string[]> {
    if (deviceId) {
      if (!(await this.devices.exists(tx, deviceId))) throw new NotFoundException('Device not found');
      return [deviceId];
    }
    const rows = await this.devices.listForUser(tx, canUseAnyDevice(auth) ? null : auth.userId);
    return rows.map((d) => d.id);
  }

  /** A device the caller may use, or 404 (also for other tenants' and other users' devices). */
  async findUsable(tx: TenantTx, auth: AuthContext, id: string): Promise<DeviceEntity> {
    const device = await this.devices.findById(tx, id);
    if (!device || (device.userId !== auth.userId && !canUseAnyDevice(auth))) {
      throw new NotFoundException('Device not found');
    }
    return device;
  }

  private async recordQr(device: DeviceEntity, qr: Qr): Promise<void> {
    await this.db.run(device.tenantId, (tx) =>
      this.devices.applyStatus(tx, device.id, { status: 'SCAN_QR_CODE', reason: null, qrValue: qr.value }),
    );
    const event: DeviceQrEvent = {
      tenantId: device.tenantId,
      deviceId: device.id,
      userId: device.userId,
      qr,
    };
    this.events.emit(DomainEvent.DeviceQr, event);
  }

  private setLocalStatus(
    device: DeviceEntity,
    status: 'STARTING',
    reason: string | null,
  ): Promise<DeviceEntity | null> {
    return this.db.run(device.tenantId, (tx) =>
      this.devices.applyStatus(tx, device.id, { status, reason, qrValue: null }),
    );
  }
}
