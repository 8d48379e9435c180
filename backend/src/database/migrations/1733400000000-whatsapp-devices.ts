import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation, RUNTIME_GROUP_ROLE } from '../tenancy-sql';

/**
 * WAHA servers (platform data), devices (WhatsApp phones linked by QR), each user's active device, and the
 * webhook inbox that makes every WAHA event id take effect once.
 */
export class WhatsappDevices1733400000000 implements MigrationInterface {
  name = 'WhatsappDevices1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE waha_servers (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url             text NOT NULL UNIQUE,
        tier            text CHECK (tier IN ('CORE', 'PLUS')),
        version         text,
        engine          text,
        capacity        integer CHECK (capacity > 0),
        start_timestamp bigint,
        last_seen_at    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE devices (
        tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id                uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id           uuid NOT NULL,
        name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        server_id         uuid NOT NULL REFERENCES waha_servers (id),
        session_name      text NOT NULL,
        status            text NOT NULL CHECK (status IN ('STOPPED', 'STARTING', 'SCAN_QR_CODE', 'WORKING', 'FAILED')),
        status_reason     text,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        status_event_at   timestamptz,
        phone_number      text,
        wa_id             text,
        wa_lid            text,
        push_name         text,
        webhook_key_enc   text NOT NULL,
        qr_value          text,
        qr_updated_at     timestamptz,
        linked_at         timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        deleted_at        timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`);
    // One WAHA session never serves two devices. The only unique key not led by tenant_id: a session name
    // lives on a server, which all tenants share.
    await q.query(
      `CREATE UNIQUE INDEX devices_session_key ON devices (server_id, session_name) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX devices_user_idx ON devices (tenant_id, user_id, created_at) WHERE deleted_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE user_active_devices (
        tenant_id  uuid NOT NULL,
        user_id    uuid NOT NULL,
        device_id  uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE webhook_inbox (
        tenant_id       uuid NOT NULL,
        event_id        text NOT NULL,
        device_id       uuid NOT NULL,
        event           text NOT NULL,
        payload         jsonb NOT NULL,
        event_timestamp timestamptz NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        processed_at    timestamptz,
        PRIMARY KEY (tenant_id, event_id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (received_at) WHERE processed_at IS NULL`,
    );

    for (const table of ['devices', 'user_active_devices', 'webhook_inbox']) {
      await enableTenantIsolation(q, table);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON waha_servers TO ${RUNTIME_GROUP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON devices, webhook_inbox TO ${RUNTIME_GROUP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON user_active_devices TO ${RUNTIME_GROUP_ROLE}`);
    await q.query(`GRANT DELETE ON webhook_inbox TO ${RUNTIME_GROUP_ROLE}`);

    // Cross-tenant lookups, each returning the least it can.
    // Webhooks: which tenant and session a device id in WAHA's metadata belongs to, and its sealed HMAC key.
    await q.query(`
      CREATE FUNCTION app_device_webhook_target(p_device_id uuid)
      RETURNS TABLE (tenant_id uuid, device_id uuid, server_id uuid, session_name text, webhook_key_enc text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT d.tenant_id, d.id, d.server_id, d.session_name, d.webhook_key_enc
            FROM devices d WHERE d.id = p_device_id AND d.deleted_at IS NULL $$`);
    // Placement: how many live devices each server holds.
    await q.query(`
      CREATE FUNCTION app_waha_server_load()
      RETURNS TABLE (server_id uuid, devices bigint)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT d.server_id, count(*) FROM devices d WHERE d.deleted_at IS NULL GROUP BY d.server_id $$`);
    // Maintenance: the devices on one server (to re-apply their config after a WAHA restart).
    await q.query(`
      CREATE FUNCTION app_server_devices(p_server_id uuid)
      RETURNS TABLE (tenant_id uuid, device_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT d.tenant_id, d.id FROM devices d WHERE d.server_id = p_server_id AND d.deleted_at IS NULL $$`);
    // Recovery: inbox events still unprocessed after a grace period (their queue job was lost).
    await q.query(`
      CREATE FUNCTION app_pending_webhook_events(p_older_than_seconds integer, p_limit integer)
      RETURNS TABLE (tenant_id uuid, event_id text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT w.tenant_id, w.event_id FROM webhook_inbox w
            WHERE w.processed_at IS NULL AND w.received_at < now() - make_interval(secs => p_older_than_seconds)
            ORDER BY w.received_at LIMIT p_limit $$`);
    // Retention: processed inbox rows older than the replay window carry no information any more.
    await q.query(`
      CREATE FUNCTION app_prune_webhook_inbox(p_retention_seconds integer)
      RETURNS integer
      LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ WITH gone AS (
              DELETE FROM webhook_inbox
              WHERE processed_at IS NOT NULL AND processed_at < now() - make_interval(secs => p_retention_seconds)
              RETURNING 1)
            SELECT count(*)::integer FROM gone $$`);
    for (const fn of [
      'app_prune_webhook_inbox(integer)',
      'app_device_webhook_target(uuid)',
      'app_waha_server_load()',
      'app_server_devices(uuid)',
      'app_pending_webhook_events(integer, integer)',
    ]) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${RUNTIME_GROUP_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of [
      'app_prune_webhook_inbox(integer)',
      'app_pending_webhook_events(integer, integer)',
      'app_server_devices(uuid)',
      'app_waha_server_load()',
      'app_device_webhook_target(uuid)',
    ]) {
      await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
    }
    for (const table of ['webhook_inbox', 'user_active_devices', 'devices', 'waha_servers']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
