import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { TenantDatabase } from '../../../common/database/tenant-database';
import {
  DeviceQrEvent,
  DeviceStatusEvent,
  DeviceWorkingEvent,
  DomainEvent,
} from '../../../common/events/domain-events';
import { maskPhone } from '../../../common/logging/mask';
import { enqueue } from '../../../common/queue/enqueue';
import { QueueName } from '../../../common/queue/queue-names';
import { SESSION_STATUSES, SessionPayloadLike, SessionStatus, WahaMe } from '../waha/waha.types';
import { WahaEventRouter, VerifiedWahaEvent } from '../webhooks/waha-event-router';
import { DeviceEntity } from './device.entity';
import { DeviceRepository, StatusChange } from './device.repository';
import { DeviceSessionsService, Qr } from './device-sessions.service';

export interface DeviceWatchdogJob {
  tenantId: string;
  deviceId: string;
  /** When the device entered STARTING (ms); a later change makes the watchdog moot. */
  since: number;
}

export const REASONS = {
  qrExpired: 'The QR code was not scanned in time; ask for a new QR to try again',
  failed: 'WhatsApp ended the session (logged out, unlinked or expired); ask for a new QR to link again',
  stuckStarting: (seconds: number) =>
    `WAHA did not finish starting the session within ${seconds} s; ask for a new QR to restart it`,
} as const;

/**
 * Keeps devices in step with WAHA: applies `session.status` events (and the same changes found by the server
 * checks), fetches the QR on every new SCAN_QR_CODE and the phone number on WORKING, explains FAILED, and
 * watches STARTING so a session that never gets anywhere is reported with a reason.
 */
@Injectable()
export class DeviceLifecycleService implements OnModuleInit {
  private readonly logger = new Logger(DeviceLifecycleService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly devices: DeviceRepository,
    private readonly sessions: DeviceSessionsService,
    private readonly router: WahaEventRouter,
    private readonly events: EventEmitter2,
    @InjectQueue(QueueName.DeviceMaintenance) private readonly maintenance: Queue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.router.on('session.status', (event) => this.onSessionStatus(event));
  }

  private async onSessionStatus(event: VerifiedWahaEvent): Promise<void> {
    const payload = event.payload as SessionPayloadLike;
    const status = payload?.status;
    if (!SESSION_STATUSES.includes(status as SessionStatus)) return;
    await this.apply(event.tenantId, event.deviceId, status as SessionStatus, event.timestamp, event.me);
  }

  /**
   * Applies a status WAHA reported at `at` (webhook or server check). Fetches what the status implies (QR,
   * phone) from WAHA first, so the device row changes once.
   */
  async apply(
    tenantId: string,
    deviceId: string,
    status: SessionStatus,
    at: Date,
    me: WahaMe | null,
  ): Promise<void> {
    const device = await this.db.run(tenantId, (tx) => this.devices.findById(tx, deviceId));
    if (!device) return;

    const change: StatusChange = { status, reason: null, eventAt: at };
    let qr: Qr | null = null;
    if (status === 'SCAN_QR_CODE') {
      qr = await this.sessions.qr(device).catch(() => null); // the session may have moved on already
      change.qrValue = qr?.value ?? null;
    } else {
      change.qrValue = null;
    }
    if (status === 'WORKING') {
      const who = me?.id ? me : await this.sessions.me(device).catch(() => null);
      if (who?.id) {
        const phoneNumber = who.id.split('@')[0]!.replace(/\D/g, '');
        change.me = {
          phoneNumber,
          waId: `${phoneNumber}@c.us`,
          waLid: who.lid ?? null,
          pushName: who.pushName ?? null,
        };
      }
    }
    if (status === 'FAILED')
      change.reason = device.status === 'SCAN_QR_CODE' ? REASONS.qrExpired : REASONS.failed;

    const updated = await this.db.run(tenantId, (tx) => this.devices.applyStatus(tx, deviceId, change));
    if (!updated) return; // a later report was applied already

    if (updated.status !== device.status || updated.statusReason !== device.statusReason)
      this.emitStatus(updated);
    if (qr) {
      const qrEvent: DeviceQrEvent = { tenantId, deviceId, userId: device.userId, qr };
      this.events.emit(DomainEvent.DeviceQr, qrEvent);
    }
    if (status === 'STARTING' && device.status !== 'STARTING') await this.watch(updated);
    if (status === 'WORKING' && device.status !== 'WORKING') {
      this.logger.log({ tenantId, deviceId, phone: maskPhone(updated.phoneNumber) }, 'Device is WORKING');
      const working: DeviceWorkingEvent = { tenantId, deviceId };
      await this.events.emitAsync(DomainEvent.DeviceWorking, working);
    }
  }

  /** Schedules the STARTING watchdog for a device. */
  async watch(device: DeviceEntity): Promise<void> {
    const job: DeviceWatchdogJob = {
      tenantId: device.tenantId,
      deviceId: device.id,
      since: device.statusChangedAt.getTime(),
    };
    await enqueue(this.maintenance, 'starting-watchdog', job, {
      jobId: `watchdog-${device.tenantId}-${device.id}-${job.since}`,
      delay: this.config.waha.startingTimeoutSeconds * 1000,
      removeOnComplete: true,
      removeOnFail: true,
    }).catch((error: unknown) =>
      this.logger.warn({ err: (error as Error).message }, 'Could not schedule watchdog'),
    );
  }

  /** A device still STARTING since `since` is reported FAILED with the reason why. */
  async checkStarting(job: DeviceWatchdogJob): Promise<void> {
    const device = await this.db.run(job.tenantId, (tx) => this.devices.findById(tx, job.deviceId));
    if (!device || device.status !== 'STARTING' || device.statusChangedAt.getTime() > job.since) return;
    const updated = await this.db.run(job.tenantId, (tx) =>
      this.devices.applyStatus(tx, device.id, {
        status: 'FAILED',
        reason: REASONS.stuckStarting(this.config.waha.startingTimeoutSeconds),
        qrValue: null,
      }),
    );
    if (updated) this.emitStatus(updated);
  }

  private emitStatus(device: DeviceEntity): void {
    const event: DeviceStatusEvent = {
      tenantId: device.tenantId,
      deviceId: device.id,
      userId: device.userId,
      status: device.status,
      statusReason: device.statusReason,
      phoneNumber: device.phoneNumber,
    };
    this.events.emit(DomainEvent.DeviceStatus, event);
  }
}
