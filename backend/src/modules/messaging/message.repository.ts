import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';
import { MessageEntity } from './message.entity';
import { MessageStatus, statusesBefore } from './message-status';

const COLUMNS = `tenant_id AS "tenantId", id, device_id AS "deviceId", user_id AS "userId", chat_id AS "chatId",
  direction, body, status, error, source, wa_message_id AS "waMessageId", sender_id AS "senderId", attempts,
  idempotency_key AS "idempotencyKey", request_hash AS "requestHash", created_at AS "createdAt",
  updated_at AS "updatedAt", sent_at AS "sentAt", delivered_at AS "deliveredAt", read_at AS "readAt"`;

export interface NewOutbound {
  deviceId: string;
  userId: string;
  chatId: string;
  body: string;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** A message seen on WhatsApp (webhook or history), stored once per (device, WhatsApp id). */
export interface ObservedMessage {
  deviceId: string;
  waMessageId: string;
  chatId: string;
  direction: 'outbound' | 'inbound';
  body: string;
  status: MessageStatus;
  source: 'api' | 'live' | 'history';
  senderId: string | null;
  createdAt: Date;
}

export interface MessageFilter {
  deviceIds?: string[];
  chatId?: string;
  direction?: 'outbound' | 'inbound';
  status?: MessageStatus;
  since?: Date;
  until?: Date;
}

export interface KeysetCursor {
  at: Date;
  id: string;
}

@Injectable()
export class MessageRepository {
  /** Stores a send as `queued`; null when another request took its Idempotency-Key first. */
  async insertOutbound(tx: TenantTx, message: NewOutbound): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `INSERT INTO messages (tenant_id, device_id, user_id, chat_id, direction, body, status, source, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, 'outbound', $5, 'queued', 'api', $6, $7)
       ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        tx.tenantId,
        message.deviceId,
        message.userId,
        message.chatId,
        message.body,
        message.idempotencyKey,
        message.requestHash,
      ],
    );
    return rows[0] ?? null;
  }

  async findById(tx: TenantTx, id: string): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id],
    );
    return rows[0] ?? null;
  }

  async findByIdempotencyKey(tx: TenantTx, key: string): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tx.tenantId, key],
    );
    return rows[0] ?? null;
  }

  async findByWaId(tx: TenantTx, deviceId: string, waMessageId: string): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 AND device_id = $2 AND wa_message_id = $3`,
      [tx.tenantId, deviceId, waMessageId],
    );
    return rows[0] ?? null;
  }

  /** Whether the tenant has unfinished sends besides `exceptId` (O(1) on the partial index; drives fairness). */
  async hasOtherUnfinished(tx: TenantTx, exceptId: string): Promise<boolean> {
    const rows = await queryRows<{ busy: boolean }>(
      tx.em,
      `SELECT EXISTS (
         SELECT 1 FROM messages WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND id <> $2
       ) AS busy`,
      [tx.tenantId, exceptId],
    );
    return rows[0]?.busy === true;
  }

  /** queued (or a retried sending) → sending, counting the attempt. Null when the message is already done. */
  async markSending(tx: TenantTx, id: string): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'sending')
       RETURNING ${COLUMNS}`,
      [tx.tenantId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * Records WhatsApp's id of a sent message; an ack that arrived first may already have moved it further. If a
   * history pull stored the same WhatsApp message meanwhile, the id stays with that copy.
   */
  async markSent(tx: TenantTx, id: string, waMessageId: string | null): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `UPDATE messages SET
         status = CASE WHEN status IN ('queued', 'sending') THEN 'sent' ELSE status END,
         wa_message_id = COALESCE(wa_message_id, CASE WHEN EXISTS (
           SELECT 1 FROM messages x WHERE x.tenant_id = $1 AND x.device_id = messages.device_id AND x.wa_message_id = $3
         ) THEN NULL ELSE $3 END),
         sent_at = COALESCE(sent_at, now()), error = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status <> 'failed'
       RETURNING ${COLUMNS}`,
      [tx.tenantId, id, waMessageId],
    );
    return rows[0] ?? null;
  }

  async markFailed(tx: TenantTx, id: string, error: string): Promise<MessageEntity | null> {
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `UPDATE messages SET status = 'failed', error = $3, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'sending')
       RETURNING ${COLUMNS}`,
      [tx.tenantId, id, error.slice(0, 500)],
    );
    return rows[0] ?? null;
  }

  /** Moves a message forward to `status` (never backwards). Null when the ack brought nothing new. */
  async advance(
    tx: TenantTx,
    deviceId: string,
    waMessageId: string,
    status: MessageStatus,
  ): Promise<MessageEntity | null> {
    const stamp = status === 'delivered' ? ', delivered_at = COALESCE(delivered_at, now())' : '';
    const readStamp =
      status === 'read'
        ? ', delivered_at = COALESCE(delivered_at, now()), read_at = COALESCE(read_at, now())'
        : '';
    const sentStamp = ', sent_at = COALESCE(sent_at, now())';
    const rows = await queryRows<MessageEntity>(
      tx.em,
      `UPDATE messages SET status = $4, updated_at = now()${sentStamp}${stamp}${readStamp}
       WHERE tenant_id = $1 AND device_id = $2 AND wa_message_id = $3 AND status = ANY($5::text[])
       RETURNING ${COLUMNS}`,
      [tx.tenantId, deviceId, waMessageId, status, statusesBefore(status)],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores observed messages in one statement; rows whose (device, WhatsApp id) exist already are skipped.
   * Returns only the rows that were new.
   */
  async insertObserved(tx: TenantTx, messages: ObservedMessage[]): Promise<MessageEntity[]> {
    if (messages.length === 0) return [];
    const column = <K extends keyof ObservedMessage>(key: K) => messages.map((m) => m[key]);
    return queryRows<MessageEntity>(
      tx.em,
      `INSERT INTO messages (tenant_id, device_id, wa_message_id, chat_id, direction, body, status, source, sender_id,
                             created_at, sent_at)
       SELECT $1, d, w, c, dir, b, st, src, snd, at, CASE WHEN dir = 'outbound' THEN at END
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::timestamptz[]) AS t(d, w, c, dir, b, st, src, snd, at)
       ON CONFLICT (tenant_id, device_id, wa_message_id) WHERE wa_message_id IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        tx.tenantId,
        column('deviceId'),
        column('waMessageId'),
        column('chatId'),
        column('direction'),
        column('body'),
        column('status'),
        column('source'),
        column('senderId'),
        column('createdAt'),
      ],
    );
  }

  /** Newest first, keyset on (created_at, id). */
  page(
    tx: TenantTx,
    filter: MessageFilter,
    limit: number,
    after: KeysetCursor | null,
  ): Promise<MessageEntity[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tx.tenantId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.deviceIds) add('device_id = ANY(?::uuid[])', filter.deviceIds);
    if (filter.chatId) add('chat_id = ?', filter.chatId);
    if (filter.direction) add('direction = ?', filter.direction);
    if (filter.status) add('status = ?', filter.status);
    if (filter.since) add('created_at >= ?', filter.since);
    if (filter.until) add('created_at < ?', filter.until);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit);
    return queryRows<MessageEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async byIds(tx: TenantTx, ids: string[]): Promise<MessageEntity[]> {
    if (ids.length === 0) return [];
    return queryRows<MessageEntity>(
      tx.em,
      `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
  }
}
