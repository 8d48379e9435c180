import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';

export interface ChatRow {
  deviceId: string;
  chatId: string;
  lastMessageId: string | null;
  lastMessageAt: Date;
  name: string | null;
}

/** The chat list: one row per (device, chat) pointing at its newest message. */
@Injectable()
export class ChatRepository {
  /** Moves each chat's pointer to the given messages when they are newer. One statement for any number. */
  async touch(
    tx: TenantTx,
    messages: { deviceId: string; chatId: string; id: string; createdAt: Date }[],
  ): Promise<void> {
    if (messages.length === 0) return;
    // Newest message per chat first, so one batch never updates a chat twice.
    const latest = new Map<string, (typeof messages)[number]>();
    for (const m of messages) {
      const key = `${m.deviceId} ${m.chatId}`;
      const seen = latest.get(key);
      if (!seen || seen.createdAt < m.createdAt) latest.set(key, m);
    }
    const rows = [...latest.values()];
    await tx.em.query(
      `INSERT INTO chats (tenant_id, device_id, chat_id, last_message_id, last_message_at)
       SELECT $1, d, c, m, at FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[]) AS t(d, c, m, at)
       ON CONFLICT (tenant_id, device_id, chat_id) DO UPDATE
         SET last_message_id = EXCLUDED.last_message_id, last_message_at = EXCLUDED.last_message_at
         WHERE chats.last_message_at <= EXCLUDED.last_message_at`,
      [
        tx.tenantId,
        rows.map((r) => r.deviceId),
        rows.map((r) => r.chatId),
        rows.map((r) => r.id),
        rows.map((r) => r.createdAt),
      ],
    );
  }

  /** Most recent first, keyset on (last_message_at, device_id, chat_id); names from contacts and groups. */
  page(
    tx: TenantTx,
    deviceIds: string[],
    limit: number,
    after: { at: Date; deviceId: string; chatId: string } | null,
  ): Promise<ChatRow[]> {
    const params: unknown[] = [tx.tenantId, deviceIds, limit];
    let keyset = '';
    if (after) {
      params.push(after.at, after.deviceId, after.chatId);
      keyset = 'AND (c.last_message_at, c.device_id, c.chat_id) < ($4, $5, $6)';
    }
    return queryRows<ChatRow>(
      tx.em,
      `SELECT c.device_id AS "deviceId", c.chat_id AS "chatId", c.last_message_id AS "lastMessageId",
              c.last_message_at AS "lastMessageAt", COALESCE(g.name, ct.name, ct.push_name) AS name
       FROM chats c
       LEFT JOIN contacts ct ON ct.tenant_id = c.tenant_id AND ct.device_id = c.device_id AND ct.chat_id = c.chat_id
       LEFT JOIN chat_groups g ON g.tenant_id = c.tenant_id AND g.device_id = c.device_id AND g.chat_id = c.chat_id
       WHERE c.tenant_id = $1 AND c.device_id = ANY($2::uuid[]) ${keyset}
       ORDER BY c.last_message_at DESC, c.device_id DESC, c.chat_id DESC
       LIMIT $3`,
      params,
    );
  }
}
