import { Injectable } from '@nestjs/common';
import { queryRows } from '../../../common/database/sql';
import { TenantTx } from '../../../common/database/tenant-database';
import { WebhookInboxEntity } from './webhook-inbox.entity';

export interface InboxEvent {
  eventId: string;
  deviceId: string;
  event: string;
  payload: unknown;
  eventTimestamp: Date;
}

@Injectable()
export class WebhookInboxRepository {
  /** Stores the event unless its id was seen before; true when it is new. */
  async insertOnce(tx: TenantTx, event: InboxEvent): Promise<boolean> {
    const rows = await queryRows<{ event_id: string }>(
      tx.em,
      `INSERT INTO webhook_inbox (tenant_id, event_id, device_id, event, payload, event_timestamp)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, event_id) DO NOTHING
       RETURNING event_id`,
      [
        tx.tenantId,
        event.eventId,
        event.deviceId,
        event.event,
        JSON.stringify(event.payload),
        event.eventTimestamp,
      ],
    );
    return rows.length === 1;
  }

  find(tx: TenantTx, eventId: string): Promise<WebhookInboxEntity | null> {
    return tx.em.getRepository(WebhookInboxEntity).findOneBy({ tenantId: tx.tenantId, eventId });
  }

  async markProcessed(tx: TenantTx, eventId: string): Promise<void> {
    await tx.em.query(
      `UPDATE webhook_inbox SET processed_at = now() WHERE tenant_id = $1 AND event_id = $2`,
      [tx.tenantId, eventId],
    );
  }
}
