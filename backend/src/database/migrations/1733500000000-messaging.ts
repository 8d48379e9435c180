import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation, RUNTIME_GROUP_ROLE } from '../tenancy-sql';

/**
 * Messages (the send log and chat history in one table), chats (last message per chat, for the chat list),
 * contacts, chat groups and their participants. Every index leads with tenant_id; lists are keyset-paginated.
 */
export class Messaging1733500000000 implements MigrationInterface {
  name = 'Messaging1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messages (
        tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id              uuid NOT NULL DEFAULT gen_random_uuid(),
        device_id       uuid NOT NULL,
        user_id         uuid,
        chat_id         text NOT NULL,
        direction       text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
        body            text NOT NULL,
        status          text NOT NULL
                        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')),
        error           text,
        source          text NOT NULL CHECK (source IN ('api', 'live', 'history')),
        wa_message_id   text,
        sender_id       text,
        attempts        integer NOT NULL DEFAULT 0,
        idempotency_key text,
        request_hash    text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz,
        delivered_at    timestamptz,
        read_at         timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`);
    // One row per WhatsApp message per device, however often WAHA delivers it.
    await q.query(
      `CREATE UNIQUE INDEX messages_wa_id_key ON messages (tenant_id, device_id, wa_message_id) WHERE wa_message_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX messages_idempotency_key ON messages (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX messages_log_idx ON messages (tenant_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX messages_device_idx ON messages (tenant_id, device_id, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX messages_chat_idx ON messages (tenant_id, device_id, chat_id, created_at DESC, id DESC)`,
    );
    // Small by design: only unfinished sends (the recovery sweep and the fairness counter read it).
    await q.query(
      `CREATE INDEX messages_unfinished_idx ON messages (tenant_id, updated_at) WHERE status IN ('queued', 'sending')`,
    );

    await q.query(`
      CREATE TABLE chats (
        tenant_id       uuid NOT NULL,
        device_id       uuid NOT NULL,
        chat_id         text NOT NULL,
        last_message_id uuid,
        last_message_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, device_id, chat_id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX chats_recent_idx ON chats (tenant_id, device_id, last_message_at DESC, chat_id)`,
    );

    await q.query(`
      CREATE TABLE contacts (
        tenant_id    uuid NOT NULL,
        id           uuid NOT NULL DEFAULT gen_random_uuid(),
        device_id    uuid NOT NULL,
        chat_id      text NOT NULL,
        lid          text,
        phone_number text,
        name         text,
        push_name    text,
        sort_name    text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, device_id, chat_id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX contacts_list_idx ON contacts (tenant_id, device_id, sort_name, id)`);
    await q.query(
      `CREATE INDEX contacts_lid_idx ON contacts (tenant_id, device_id, lid) WHERE lid IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE chat_groups (
        tenant_id    uuid NOT NULL,
        id           uuid NOT NULL DEFAULT gen_random_uuid(),
        device_id    uuid NOT NULL,
        chat_id      text NOT NULL,
        name         text,
        description  text,
        sort_name    text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, device_id, chat_id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX chat_groups_list_idx ON chat_groups (tenant_id, device_id, sort_name, id)`);

    await q.query(`
      CREATE TABLE group_participants (
        tenant_id    uuid NOT NULL,
        group_id     uuid NOT NULL,
        chat_id      text NOT NULL,
        phone_number text,
        is_admin     boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, group_id, chat_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES chat_groups (tenant_id, id) ON DELETE CASCADE
      )`);

    for (const table of ['messages', 'chats', 'contacts', 'chat_groups', 'group_participants']) {
      await enableTenantIsolation(q, table);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON messages TO ${RUNTIME_GROUP_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON chats, contacts, chat_groups, group_participants TO ${RUNTIME_GROUP_ROLE}`,
    );

    // Recovery sweep: sends still unfinished after a grace period, whatever the tenant (their job was lost
    // because Redis was down at accept time, or a worker died mid-send).
    await q.query(`
      CREATE FUNCTION app_unfinished_messages(p_older_than_seconds integer, p_limit integer)
      RETURNS TABLE (tenant_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT m.tenant_id, m.id FROM messages m
            WHERE m.status IN ('queued', 'sending') AND m.updated_at < now() - make_interval(secs => p_older_than_seconds)
            ORDER BY m.updated_at LIMIT p_limit $$`);
    await q.query(`REVOKE ALL ON FUNCTION app_unfinished_messages(integer, integer) FROM PUBLIC`);
    await q.query(
      `GRANT EXECUTE ON FUNCTION app_unfinished_messages(integer, integer) TO ${RUNTIME_GROUP_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_unfinished_messages(integer, integer)`);
    for (const table of ['group_participants', 'chat_groups', 'contacts', 'chats', 'messages']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
