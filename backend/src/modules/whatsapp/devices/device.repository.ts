import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { queryRows } from '../../../common/database/sql';
import { TenantTx } from '../../../common/database/tenant-database';
import type { SessionStatus } from '../waha/waha.types';
import { DeviceEntity } from './device.entity';

export interface NewDevice {
  id: string;
  userId: string;
  name: string;
  serverId: string;
  sessionName: string;
  webhookKeyEnc: string;
}

export interface StatusChange {
  status: SessionStatus;
  reason: string | null;
  /** WAHA's event time for reported changes; absent for changes this service decides (watchdog, restart). */
  eventAt?: Date;
  qrValue?: string | null;
  me?: { phoneNumber: string; waId: string; waLid: string | null; pushName: string | null } | null;
}

/** Devices of one tenant. Deleted devices keep their row (their history points at them) and are hidden here. */
@Injectable()
export class DeviceRepository {
  private repo(tx: TenantTx) {
    return tx.em.getRepository(DeviceEntity);
  }

  findById(tx: TenantTx, id: string): Promise<DeviceEntity | null> {
    return this.repo(tx).findOneBy({ tenantId: tx.tenantId, id, deletedAt: IsNull() });
  }

  /** Including unlinked (deleted) devices, whose history stays readable. */
  async exists(tx: TenantTx, id: string): Promise<boolean> {
    return (await this.repo(tx).countBy({ tenantId: tx.tenantId, id })) > 0;
  }

  listForUser(tx: TenantTx, userId: string | null): Promise<DeviceEntity[]> {
    return this.repo(tx).find({
      where: { tenantId: tx.tenantId, deletedAt: IsNull(), ...(userId ? { userId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async insert(tx: TenantTx, device: NewDevice): Promise<DeviceEntity> {
    await this.repo(tx).insert({
      tenantId: tx.tenantId,
      id: device.id,
      userId: device.userId,
      name: device.name,
      serverId: device.serverId,
      sessionName: device.sessionName,
      webhookKeyEnc: device.webhookKeyEnc,
      status: 'STARTING',
    });
    return (await this.findById(tx, device.id))!;
  }

  /**
   * Applies a status change. One reported by WAHA (`eventAt`) is skipped when a later report was applied
   * already, since webhooks can arrive out of order; only WAHA's own timestamps are compared, never ours, so
   * clock skew between the two cannot reorder them. Returns the updated device, or null when skipped.
   */
  async applyStatus(tx: TenantTx, id: string, change: StatusChange): Promise<DeviceEntity | null> {
    // status_changed_at moves only on a real change: the STARTING watchdog compares it with the time STARTING
    // began, and WAHA's own STARTING report (same status) must not make that watchdog moot.
    const sets = [
      'status = $3',
      'status_reason = $4',
      'status_changed_at = CASE WHEN status IS DISTINCT FROM $3 THEN now() ELSE status_changed_at END',
      'updated_at = now()',
    ];
    const params: unknown[] = [tx.tenantId, id, change.status, change.reason];
    let ordering = '';
    if (change.eventAt) {
      params.push(change.eventAt);
      sets.push(`status_event_at = $${params.length}`);
      ordering = ` AND (status_event_at IS NULL OR status_event_at <= $${params.length})`;
    }
    if (change.qrValue !== undefined) {
      params.push(change.qrValue);
      sets.push(
        `qr_value = $${params.length}`,
        `qr_updated_at = ${change.qrValue === null ? 'NULL' : 'now()'}`,
      );
    }
    if (change.me) {
      params.push(change.me.phoneNumber, change.me.waId, change.me.waLid, change.me.pushName);
      const n = params.length;
      sets.push(
        `phone_number = $${n - 3}`,
        `wa_id = $${n - 2}`,
        `wa_lid = $${n - 1}`,
        `push_name = $${n}`,
        'linked_at = COALESCE(linked_at, now())',
      );
    }
    const rows = await queryRows<{ id: string }>(
      tx.em,
      `UPDATE devices SET ${sets.join(', ')}
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL${ordering}
       RETURNING id`,
      params,
    );
    return rows.length ? this.findById(tx, id) : null;
  }

  async softDelete(tx: TenantTx, id: string): Promise<void> {
    await this.repo(tx).update(
      { tenantId: tx.tenantId, id, deletedAt: IsNull() },
      { deletedAt: new Date(), status: 'STOPPED', qrValue: null, updatedAt: new Date() },
    );
  }

  async activeDeviceId(tx: TenantTx, userId: string): Promise<string | null> {
    const rows = await queryRows<{ device_id: string }>(
      tx.em,
      `SELECT a.device_id FROM user_active_devices a
       JOIN devices d ON d.tenant_id = a.tenant_id AND d.id = a.device_id AND d.deleted_at IS NULL
       WHERE a.tenant_id = $1 AND a.user_id = $2`,
      [tx.tenantId, userId],
    );
    return rows[0]?.device_id ?? null;
  }

  async setActive(tx: TenantTx, userId: string, deviceId: string): Promise<void> {
    await tx.em.query(
      `INSERT INTO user_active_devices (tenant_id, user_id, device_id) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET device_id = EXCLUDED.device_id, updated_at = now()`,
      [tx.tenantId, userId, deviceId],
    );
  }

  /** Makes `deviceId` the user's active device only if they have none yet. */
  async setActiveIfNone(tx: TenantTx, userId: string, deviceId: string): Promise<void> {
    await tx.em.query(
      `INSERT INTO user_active_devices (tenant_id, user_id, device_id) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, user_id) DO NOTHING`,
      [tx.tenantId, userId, deviceId],
    );
  }

  async clearActive(tx: TenantTx, deviceId: string): Promise<void> {
    await tx.em.query(`DELETE FROM user_active_devices WHERE tenant_id = $1 AND device_id = $2`, [
      tx.tenantId,
      deviceId,
    ]);
  }
}
