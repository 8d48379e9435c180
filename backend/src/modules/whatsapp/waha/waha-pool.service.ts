import {
  ConflictException,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { queryRows } from '../../../common/database/sql';
import { TenantDatabase } from '../../../common/database/tenant-database';
import { WahaClient } from './waha.client';
import { WahaServerEntity } from './waha-server.entity';
import { WahaTier } from './waha.types';

const PLACEMENT_LOCK_ID = 724_100_010;

export interface Placement {
  serverId: string;
  tier: WahaTier;
  sessionName: string;
}

interface PoolMember {
  id: string;
  url: string;
  capacity: number | null;
  tier: WahaTier | null;
  client: WahaClient;
}

/**
 * The WAHA servers of WAHA_URL/WAHA_SERVERS. Learns each server's tier from GET /api/server/version and places
 * new devices: a Core server holds exactly one device (session `default`), a Plus server holds up to its
 * configured capacity (unlimited when none) of named sessions. Placement runs under a PostgreSQL advisory lock
 * inside the transaction that inserts the device, so concurrent requests never overfill a server.
 */
@Injectable()
export class WahaPoolService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WahaPoolService.name);
  private members = new Map<string, PoolMember>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDatabase,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.syncServers();
    // Learn tiers in the background; placement probes again any server still unknown.
    void Promise.all([...this.members.keys()].map((id) => this.detectTier(id).catch(() => null)));
  }

  /** The client for a device's server. */
  client(serverId: string): WahaClient {
    const member = this.members.get(serverId);
    if (!member)
      throw new ServiceUnavailableException('The WAHA server of this device is no longer configured');
    return member.client;
  }

  serverIds(): string[] {
    return [...this.members.keys()];
  }

  async tierOf(serverId: string): Promise<WahaTier> {
    const member = this.members.get(serverId);
    if (member?.tier) return member.tier;
    return this.detectTier(serverId);
  }

  /** Asks the server for its version and tier, and records them. */
  async detectTier(serverId: string): Promise<WahaTier> {
    const member = this.members.get(serverId);
    if (!member) throw new ServiceUnavailableException('Unknown WAHA server');
    const version = await member.client.version();
    const tier: WahaTier = String(version.tier).toUpperCase() === 'CORE' ? 'CORE' : 'PLUS';
    member.tier = tier;
    await this.dataSource.query(
      `UPDATE waha_servers SET tier = $2, version = $3, engine = $4, last_seen_at = now() WHERE id = $1`,
      [serverId, tier, version.version ?? null, version.engine ?? null],
    );
    return tier;
  }

  /**
   * Chooses a server with room for one more device, inside `em`'s transaction (which then inserts the
   * device). Throws 409 when every reachable server is full and 503 when none is reachable.
   */
  async place(em: EntityManager, tenantId: string, deviceId: string): Promise<Placement> {
    // Tiers first, outside the lock: a probe can take a WAHA timeout.
    const tiers = new Map<string, WahaTier>();
    for (const member of this.members.values()) {
      try {
        tiers.set(member.id, member.tier ?? (await this.detectTier(member.id)));
      } catch (error) {
        this.logger.warn(
          { server: member.url, err: (error as Error).message },
          'WAHA server unreachable; skipped',
        );
      }
    }
    if (tiers.size === 0)
      throw new ServiceUnavailableException('No WAHA server is reachable; try again later');

    await em.query('SELECT pg_advisory_xact_lock($1)', [PLACEMENT_LOCK_ID]);
    const loads = new Map(
      (await this.db.crossTenant<{ server_id: string; devices: string }>('app_waha_server_load', [], em)).map(
        (r) => [r.server_id, Number(r.devices)],
      ),
    );
    const candidates = [...tiers.entries()]
      .map(([id, tier]) => {
        const member = this.members.get(id)!;
        const capacity = tier === 'CORE' ? 1 : (member.capacity ?? Number.POSITIVE_INFINITY);
        const load = loads.get(id) ?? 0;
        return { id, tier, capacity, load, room: capacity - load };
      })
      .filter((c) => c.room > 0)
      // Least loaded first (by share of capacity), then configuration order.
      .sort((a, b) => a.load / a.capacity - b.load / b.capacity);
    const chosen = candidates[0];
    if (!chosen) {
      throw new ConflictException(
        'Every WhatsApp engine server is full: a WAHA Core server holds one device; add servers to WAHA_SERVERS or use WAHA Plus',
      );
    }
    return {
      serverId: chosen.id,
      tier: chosen.tier,
      sessionName: sessionNameFor(chosen.tier, tenantId, deviceId),
    };
  }

  /** Records WAHA's start time; returns true when it changed (the server restarted since the last check). */
  async recordStart(serverId: string, startTimestamp: number): Promise<boolean> {
    const rows = await queryRows<{ previous: string | null }>(
      this.dataSource.manager,
      `WITH before AS (SELECT start_timestamp FROM waha_servers WHERE id = $1 FOR UPDATE)
       UPDATE waha_servers SET start_timestamp = $2, last_seen_at = now()
       WHERE id = $1 RETURNING (SELECT start_timestamp FROM before) AS previous`,
      [serverId, startTimestamp],
    );
    const previous = rows[0]?.previous;
    return previous !== null && previous !== undefined && Number(previous) !== startTimestamp;
  }

  private async syncServers(): Promise<void> {
    const members = new Map<string, PoolMember>();
    for (const server of this.config.waha.servers) {
      const rows: WahaServerEntity[] = await this.dataSource.query(
        `INSERT INTO waha_servers (url, capacity) VALUES ($1, $2)
         ON CONFLICT (url) DO UPDATE SET capacity = EXCLUDED.capacity
         RETURNING id, url, tier, capacity`,
        [server.url, server.capacity],
      );
      const row = rows[0]!;
      members.set(row.id, {
        id: row.id,
        url: server.url,
        capacity: server.capacity,
        tier: null,
        client: new WahaClient({ url: server.url, apiKey: server.apiKey }, this.config.waha.requestTimeoutMs),
      });
    }
    this.members = members;
  }
}

/** WAHA Core only knows `default`; Plus sessions are named after tenant and device (≤ 54 characters). */
export function sessionNameFor(tier: WahaTier, tenantId: string, deviceId: string): string {
  if (tier === 'CORE') return 'default';
  return `t${tenantId.replace(/-/g, '').slice(0, 12)}_d${deviceId.replace(/-/g, '')}`;
}
