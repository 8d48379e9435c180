import { Injectable } from '@nestjs/common';
import { queryRows } from '../../common/database/sql';
import { TenantTx } from '../../common/database/tenant-database';

export interface ContactInput {
  chatId: string;
  lid: string | null;
  phoneNumber: string | null;
  name: string | null;
  pushName: string | null;
}

export interface ContactRow extends ContactInput {
  id: string;
  deviceId: string;
  sortName: string;
}

export interface NameKeyset {
  sortName: string;
  id: string;
}

const COLUMNS = `id, device_id AS "deviceId", chat_id AS "chatId", lid, phone_number AS "phoneNumber", name,
  push_name AS "pushName", sort_name AS "sortName"`;

export function sortNameOf(input: {
  name: string | null;
  pushName?: string | null;
  phoneNumber: string | null;
  chatId: string;
}): string {
  return (input.name ?? input.pushName ?? input.phoneNumber ?? input.chatId).trim().toLowerCase();
}

/** Escapes LIKE wildcards in user input. */
export function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

@Injectable()
export class ContactRepository {
  /**
   * Inserts or updates a batch of contacts of one device in one statement (a sync of 10,000 contacts is ten
   * statements, not ten thousand). Names only overwrite when WAHA knows one. Returns how many rows were written
   * (new or changed).
   */
  async upsertMany(tx: TenantTx, deviceId: string, contacts: ContactInput[]): Promise<number> {
    if (contacts.length === 0) return 0;
    const col = <K extends keyof ContactInput>(key: K) => contacts.map((c) => c[key]);
    const rows = await queryRows<{ id: string }>(
      tx.em,
      `INSERT INTO contacts (tenant_id, device_id, chat_id, lid, phone_number, name, push_name, sort_name)
       SELECT $1, $2, c, l, p, n, pn, s
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(c, l, p, n, pn, s)
       ON CONFLICT (tenant_id, device_id, chat_id) DO UPDATE SET
         lid = COALESCE(EXCLUDED.lid, contacts.lid),
         phone_number = COALESCE(EXCLUDED.phone_number, contacts.phone_number),
         name = COALESCE(EXCLUDED.name, contacts.name),
         push_name = COALESCE(EXCLUDED.push_name, contacts.push_name),
         sort_name = EXCLUDED.sort_name,
         updated_at = now()
       -- A re-sync rewrites only what changed: unchanged rows cost an index probe, not a new row version.
       WHERE (contacts.lid, contacts.phone_number, contacts.name, contacts.push_name, contacts.sort_name)
         IS DISTINCT FROM (COALESCE(EXCLUDED.lid, contacts.lid), COALESCE(EXCLUDED.phone_number, contacts.phone_number),
                           COALESCE(EXCLUDED.name, contacts.name), COALESCE(EXCLUDED.push_name, contacts.push_name),
                           EXCLUDED.sort_name)
       RETURNING id`,
      [
        tx.tenantId,
        deviceId,
        col('chatId'),
        col('lid'),
        col('phoneNumber'),
        col('name'),
        col('pushName'),
        contacts.map((c) => sortNameOf(c)),
      ],
    );
    return rows.length;
  }

  async phoneByLid(tx: TenantTx, deviceId: string, lid: string): Promise<string | null> {
    const rows = await queryRows<{ chat_id: string }>(
      tx.em,
      `SELECT chat_id FROM contacts WHERE tenant_id = $1 AND device_id = $2 AND lid = $3 AND chat_id LIKE '%@c.us' LIMIT 1`,
      [tx.tenantId, deviceId, lid],
    );
    return rows[0]?.chat_id ?? null;
  }

  page(
    tx: TenantTx,
    deviceIds: string[],
    search: string | undefined,
    limit: number,
    after: NameKeyset | null,
  ): Promise<ContactRow[]> {
    const params: unknown[] = [tx.tenantId, deviceIds, limit];
    const where = ['tenant_id = $1', 'device_id = ANY($2::uuid[])'];
    if (search) {
      params.push(likePattern(search));
      where.push(
        `(sort_name LIKE $${params.length} ESCAPE '\\' OR phone_number LIKE $${params.length} ESCAPE '\\')`,
      );
    }
    if (after) {
      params.push(after.sortName, after.id);
      where.push(`(sort_name, id) > ($${params.length - 1}, $${params.length})`);
    }
    return queryRows<ContactRow>(
      tx.em,
      `SELECT ${COLUMNS} FROM contacts WHERE ${where.join(' AND ')} ORDER BY sort_name, id LIMIT $3`,
      params,
    );
  }
}
