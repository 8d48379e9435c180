import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { TenantDatabase } from '../../../common/database/tenant-database';
import { DeviceLifecycleService } from '../devices/device-lifecycle.service';
import { DeviceRepository } from '../devices/device.repository';
import { DeviceSessionsService } from '../devices/device-sessions.service';
import { WahaPoolService } from '../waha/waha-pool.service';
import { WahaSessionInfo } from '../waha/waha.types';
import { WahaWebhookService } from '../webhooks/waha-webhook.service';

const OUR_SESSION = /^t[0-9a-f]{12}_d[0-9a-f]{32}$/;

/**
 * Periodic checks that cover what webhooks cannot: a WAHA server that restarted (Core forgets every session's
 * config, so webhooks and metadata are put back and the session started), a session whose status changed
 * while its webhook was lost, sessions no device owns any more, and inbox events whose queue job was lost while
 * Redis was down.
 */
@Injectable()
export class WahaServerMonitorService {
  private readonly logger = new Logger(WahaServerMonitorService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly pool: WahaPoolService,
    private readonly devices: DeviceRepository,
    private readonly sessions: DeviceSessionsService,
    private readonly lifecycle: DeviceLifecycleService,
    private readonly webhooks: WahaWebhookService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async checkServers(): Promise<void> {
    for (const serverId of this.pool.serverIds()) {
      await this.checkServer(serverId).catch((error: unknown) =>
        this.logger.warn({ serverId, err: (error as Error).message }, 'WAHA server check failed'),
      );
    }
  }

  async checkServer(serverId: string): Promise<void> {
    const client = this.pool.client(serverId);
    const status = await client.serverStatus();
    const restarted = await this.pool.recordStart(serverId, status.startTimestamp);
    if (restarted) this.logger.warn({ serverId }, 'WAHA server restarted; re-applying session config');
    await this.pool.detectTier(serverId);
    const sessions = new Map((await client.listSessions(true)).map((s) => [s.name, s]));
    const owned = await this.db.crossTenant<{ tenant_id: string; device_id: string }>('app_server_devices', [
      serverId,
    ]);
    const ours = new Set<string>();
    for (const { tenant_id: tenantId, device_id: deviceId } of owned) {
      const device = await this.db.run(tenantId, (tx) => this.devices.findById(tx, deviceId));
      if (!device) continue;
      ours.add(device.sessionName);
      const session = sessions.get(device.sessionName);
      if (restarted || !session || !this.hasOurWebhook(session)) {
        await this.sessions.ensureStarted(device);
        await this.lifecycle.watch(device);
        continue;
      }
      if (session.status !== device.status) {
        await this.lifecycle.apply(tenantId, deviceId, session.status, new Date(), session.me ?? null);
      }
    }
    await this.removeOrphans(serverId, [...sessions.keys()], ours);
  }

  /**
   * Sessions named like ours (`t<tenant>_d<device>`, Plus only) that no live device owns: left behind when
   * creating a device failed half-way or an unlink could not reach WAHA. They are WhatsApp logins nobody can
   * use, so they go.
   */
  private async removeOrphans(serverId: string, names: string[], ours: Set<string>): Promise<void> {
    for (const name of names) {
      if (!OUR_SESSION.test(name) || ours.has(name)) continue;
      await this.pool
        .client(serverId)
        .deleteSession(name)
        .then(() => this.logger.warn({ serverId, session: name }, 'Removed a WAHA session no device owns'))
        .catch((error: unknown) =>
          this.logger.warn({ err: (error as Error).message }, 'Could not remove an orphan session'),
        );
    }
  }

  /** Queues inbox events that have waited too long (their job was lost), and prunes old processed ones. */
  async sweepInbox(): Promise<void> {
    const pending = await this.db.crossTenant<{ tenant_id: string; event_id: string }>(
      'app_pending_webhook_events',
      [30, 500],
    );
    for (const row of pending) {
      await this.webhooks.enqueue({ tenantId: row.tenant_id, eventId: row.event_id }).catch(() => undefined);
    }
    // Keep processed ids for twice the replay window: a replay inside the window still finds its id.
    await this.db.crossTenant('app_prune_webhook_inbox', [this.config.waha.webhookMaxAgeSeconds * 2]);
  }

  private hasOurWebhook(session: WahaSessionInfo): boolean {
    // Some WAHA versions omit config from the list; only a config without our hook proves it was forgotten.
    if (!session.config) return session.config === undefined;
    return (session.config.webhooks ?? []).some((hook) => hook.url === this.config.waha.webhookUrl);
  }
}
