import { Injectable, Logger } from '@nestjs/common';
import * as QRCode from 'qrcode';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { SecretBox } from '../../../common/crypto/secret-box';
import { WahaNotFoundException, WahaRejectedException } from '../waha/waha.errors';
import { WahaPoolService } from '../waha/waha-pool.service';
import { WahaClient } from '../waha/waha.client';
import { SessionStatus, WahaMe, WahaSessionConfig, WahaSessionInfo } from '../waha/waha.types';
import { DeviceEntity } from './device.entity';

/** The WAHA events a device's session reports to us. `message.any` covers incoming and outgoing messages. */
export const WEBHOOK_EVENTS = [
  'session.status',
  'message.any',
  'message.ack',
  'group.v2.join',
  'group.v2.leave',
  'group.v2.update',
  'group.v2.participants',
];

export interface Qr {
  value: string;
  image: string;
}

/**
 * A device's WhatsApp session on its WAHA server: configuring it (webhook with the device's HMAC key and
 * metadata naming the device), starting, restarting, removing, and reading its QR. Knows the differences
 * between WAHA Core (one session named `default` that always exists; config forgotten on restart) and Plus.
 */
@Injectable()
export class DeviceSessionsService {
  private readonly logger = new Logger(DeviceSessionsService.name);
  private readonly box: SecretBox;

  constructor(
    private readonly pool: WahaPoolService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.auth.keySecret, 'webhook-keys');
  }

  sealWebhookKey(key: string): string {
    return this.box.seal(key);
  }

  openWebhookKey(sealed: string): string {
    return this.box.open(sealed);
  }

  client(device: Pick<DeviceEntity, 'serverId'>): WahaClient {
    return this.pool.client(device.serverId);
  }

  sessionConfig(device: Pick<DeviceEntity, 'id' | 'tenantId' | 'webhookKeyEnc'>): WahaSessionConfig {
    return {
      metadata: { deviceId: device.id, tenantId: device.tenantId },
      webhooks: [
        {
          url: this.config.waha.webhookUrl,
          events: WEBHOOK_EVENTS,
          hmac: { key: this.openWebhookKey(device.webhookKeyEnc) },
          retries: { policy: 'exponential', delaySeconds: 2, attempts: 8 },
        },
      ],
    };
  }

  /** Creates or re-configures the session and starts it. Safe to repeat. */
  async ensureStarted(device: DeviceEntity): Promise<WahaSessionInfo> {
    const client = this.client(device);
    const config = this.sessionConfig(device);
    if ((await this.pool.tierOf(device.serverId)) === 'CORE') {
      // Core's `default` session always exists (until deleted): PUT its config, then start it.
      try {
        await client.updateSession(device.sessionName, config);
      } catch (error) {
        if (!(error instanceof WahaNotFoundException)) throw error;
        try {
          return await client.createSession(device.sessionName, config, true);
        } catch (createError) {
          // Created meanwhile (a server check racing this request): configure the one that exists.
          if (!isAlready(createError)) throw createError;
          await client.updateSession(device.sessionName, config);
        }
      }
      return this.start(client, device.sessionName);
    }
    try {
      return await client.createSession(device.sessionName, config, true);
    } catch (error) {
      if (!isAlready(error)) throw error;
      await client.updateSession(device.sessionName, config);
      return this.start(client, device.sessionName);
    }
  }

  /** Restarts a session (a FAILED one starts a fresh QR cycle). Re-creates it if WAHA lost it. */
  async restart(device: DeviceEntity): Promise<void> {
    try {
      await this.client(device).restartSession(device.sessionName);
    } catch (error) {
      if (!(error instanceof WahaNotFoundException)) throw error;
      await this.ensureStarted(device);
    }
  }

  /** Logs the phone out and removes the session. Missing sessions count as removed. */
  async remove(device: DeviceEntity): Promise<void> {
    try {
      await this.client(device).deleteSession(device.sessionName);
    } catch (error) {
      if (!(error instanceof WahaNotFoundException)) throw error;
    }
  }

  async status(device: DeviceEntity): Promise<SessionStatus> {
    return (await this.client(device).getSession(device.sessionName)).status;
  }

  async me(device: DeviceEntity): Promise<WahaMe | null> {
    return this.client(device).me(device.sessionName);
  }

  async qr(device: DeviceEntity): Promise<Qr> {
    const value = await this.client(device).qrValue(device.sessionName);
    return {
      value,
      image: await QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 2, width: 300 }),
    };
  }

  /**
   * Waits (up to `timeoutMs`) for the session to show a QR and returns it, or null when it does not in time
   * (the portal then gets it live through `device.qr`).
   */
  async waitForQr(device: DeviceEntity, timeoutMs: number): Promise<Qr | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const status = await this.status(device);
        if (status === 'SCAN_QR_CODE') return await this.qr(device);
        if (status === 'WORKING' || status === 'FAILED') return null;
      } catch (error) {
        this.logger.debug({ err: (error as Error).message }, 'QR not ready yet');
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return null;
  }

  private async start(client: WahaClient, name: string): Promise<WahaSessionInfo> {
    try {
      return await client.startSession(name);
    } catch (error) {
      if (!isAlready(error)) throw error;
      return client.getSession(name);
    }
  }
}

/** WAHA's 422 for "already exists" / "already started": the state we wanted is there. */
function isAlready(error: unknown): boolean {
  return (
    error instanceof WahaRejectedException && error.wahaStatus === 422 && /already/i.test(error.wahaMessage)
  );
}
