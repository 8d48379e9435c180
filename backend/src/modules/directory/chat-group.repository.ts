import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';
import { likePattern, NameKeyset } from './contact.repository';

export interface GroupInput {
  chatId: string;
  name: string | null;
  description: string | null;
}

export interface ParticipantInput {
  chatId: string;
  phoneNumber: string | null;
  isAdmin: boolean;
}

export interface GroupRow {
  id: string;
  deviceId: string;
  chatId: string;
  name: string | null;
  sortName: string;
}

export interface ParticipantRow extends ParticipantInput {
  groupId: string;
}

@Injectable()
export class ChatGroupRepository {
  /** Upserts a batch of groups of one device in one statement; returns their ids by chat id. */
  async upsertMany(tx: TenantTx, deviceId: string, groups: GroupInput[]): Promise<Map<string, string>> {
    if (groups.length === 0) return new Map();
    const rows = await queryRows<{ id: string; chat_id: string }>(
      tx.em,
      `INSERT INTO chat_groups (tenant_id, device_id, chat_id, name, description, sort_name)
       SELECT $1, $2, c, n, d, lower(COALESCE(n, c)) FROM unnest($3::text[], $4::text[], $5::text[]) AS t(c, n, d)
       ON CONFLICT (tenant_id, device_id, chat_id) DO UPDATE SET
         name = COALESCE(EXCLUDED.name, chat_groups.name),
         description = COALESCE(EXCLUDED.description, chat_groups.description),
         sort_name = lower(COALESCE(EXCLUDED.name, chat_groups.name, chat_groups.chat_id)),
         updated_at = now()
       RETURNING id, chat_id`,
      [
        tx.tenantId,
        deviceId,
        groups.map((g) => g.chatId),
        groups.map((g) => g.name),
        groups.map((g) => g.description),
      ],
    );
    return new Map(rows.map((r) => [r.chat_id, r.id]));
  }

  /** Replaces the participants of the given groups: two statements for the whole batch. */
  async replaceParticipants(tx: TenantTx, members: Map<string, ParticipantInput[]>): Promise<void> {
    const groupIds = [...members.keys()];
    if (groupIds.length === 0) return;
    await tx.em.query(`DELETE FROM group_participants WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])`, [
      tx.tenantId,
      groupIds,
    ]);
    await this.addParticipants(tx, members);
  }

  async addParticipants(tx: TenantTx, members: Map<string, ParticipantInput[]>): Promise<void> {
    const rows = [...members.entries()].flatMap(([groupId, list]) =>
      dedupe(list).map((p) => ({ groupId, ...p })),
    );
    if (rows.length === 0) return;
    await tx.em.query(
      `INSERT INTO group_participants (tenant_id, group_id, chat_id, phone_number, is_admin)
       SELECT $1, g, c, p, a FROM unnest($2::uuid[], $3::text[], $4::text[], $5::boolean[]) AS t(g, c, p, a)
       ON CONFLICT (tenant_id, group_id, chat_id) DO UPDATE
         SET phone_number = COALESCE(EXCLUDED.phone_number, group_participants.phone_number), is_admin = EXCLUDED.is_admin`,
      [
        tx.tenantId,
        rows.map((r) => r.groupId),
        rows.map((r) => r.chatId),
        rows.map((r) => r.phoneNumber),
        rows.map((r) => r.isAdmin),
      ],
    );
  }

  async removeParticipants(tx: TenantTx, groupId: string, chatIds: string[]): Promise<void> {
    await tx.em.query(
      `DELETE FROM group_participants WHERE tenant_id = $1 AND group_id = $2 AND chat_id = ANY($3::text[])`,
      [tx.tenantId, groupId, chatIds],
    );
  }

  async setAdmin(tx: TenantTx, groupId: string, chatIds: string[], isAdmin: boolean): Promise<void> {
    await tx.em.query(
      `UPDATE group_participants SET is_admin = $4 WHERE tenant_id = $1 AND group_id = $2 AND chat_id = ANY($3::text[])`,
      [tx.tenantId, groupId, chatIds, isAdmin],
    );
  }

  async findId(tx: TenantTx, deviceId: string, chatId: string): Promise<string | null> {
    const rows = await queryRows<{ id: string }>(
      tx.em,
      `SELECT id FROM chat_groups WHERE tenant_id = $1 AND device_id = $2 AND chat_id = $3`,
      [tx.tenantId, deviceId, chatId],
    );
    return rows[0]?.id ?? null;
  }

  async remove(tx: TenantTx, deviceId: string, chatId: string): Promise<void> {
    await tx.em.query(`DELETE FROM chat_groups WHERE tenant_id = $1 AND device_id = $2 AND chat_id = $3`, [
      tx.tenantId,
      deviceId,
      chatId,
    ]);
  }

  page(
    tx: TenantTx,
    deviceIds: string[],
    search: string | undefined,
    limit: number,
    after: NameKeyset | null,
  ): Promise<GroupRow[]> {
    const params: unknown[] = [tx.tenantId, deviceIds, limit];
    const where = ['tenant_id = $1', 'device_id = ANY($2::uuid[])'];
    if (search) {
      params.push(likePattern(search));
      where.push(`sort_name LIKE $${params.length} ESCAPE '\\'`);
    }
    if (after) {
      params.push(after.sortName, after.id);
      where.push(`(sort_name, id) > ($${params.length - 1}, $${params.length})`);
    }
    return queryRows<GroupRow>(
      tx.em,
      `SELECT id, device_id AS "deviceId", chat_id AS "chatId", name, sort_name AS "sortName"
       FROM chat_groups WHERE ${where.join(' AND ')} ORDER BY sort_name, id LIMIT $3`,
      params,
    );
  }

  /** Participants of a page of groups, in one query. */
  participants(tx: TenantTx, groupIds: string[]): Promise<ParticipantRow[]> {
    if (groupIds.length === 0) return Promise.resolve([]);
    return queryRows<ParticipantRow>(
      tx.em,
      `SELECT group_id AS "groupId", chat_id AS "chatId", phone_number AS "phoneNumber", is_admin AS "isAdmin"
       FROM group_participants WHERE tenant_id = $1 AND group_id = ANY($2::uuid[]) ORDER BY is_admin DESC, chat_id`,
      [tx.tenantId, groupIds],
    );
  }
}

function dedupe(list: ParticipantInput[]): ParticipantInput[] {
  return [...new Map(list.map((p) => [p.chatId, p])).values()];
}
