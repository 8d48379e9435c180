import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation, RUNTIME_GROUP_ROLE } from '../tenancy-sql';

/**
 * Tenants, permission groups, users, refresh tokens, signing keys and the audit log.
 *
 * Every tenant-owned table: `tenant_id NOT NULL` leading its primary key, unique keys and foreign keys
 * (a row can never point into another tenant), and forced Row-Level Security on `app.tenant_id`.
 */
export class Foundation1733300000000 implements MigrationInterface {
  name = 'Foundation1733300000000';

  async up(q: QueryRunner): Promise<void> {
    // The runtime group role: NOLOGIN, no BYPASSRLS; the login role the API uses is made a member of it.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_GROUP_ROLE}') THEN
          CREATE ROLE ${RUNTIME_GROUP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${RUNTIME_GROUP_ROLE}`);

    await q.query(`
      CREATE TABLE tenants (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        slug        text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
        status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        is_platform boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)`);
    await q.query(`CREATE UNIQUE INDEX tenants_one_platform ON tenants (is_platform) WHERE is_platform`);

    await q.query(`
      CREATE TABLE user_groups (
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id          uuid NOT NULL DEFAULT gen_random_uuid(),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        permissions text[] NOT NULL DEFAULT '{}',
        system      boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX user_groups_name_key ON user_groups (tenant_id, lower(name))`);

    await q.query(`
      CREATE TABLE users (
        tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id            uuid NOT NULL DEFAULT gen_random_uuid(),
        username      text NOT NULL,
        password_hash text,
        auth_subject  text,
        group_id      uuid NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        deleted_at    timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES user_groups (tenant_id, id)
      )`);
    // Deleted users keep their row (messages they sent still point at them) but free their username.
    await q.query(
      `CREATE UNIQUE INDEX users_username_key ON users (tenant_id, lower(username)) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX users_auth_subject_key ON users (tenant_id, auth_subject) WHERE auth_subject IS NOT NULL`,
    );
    await q.query(`CREATE INDEX users_group_idx ON users (tenant_id, group_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        tenant_id         uuid NOT NULL,
        id                uuid NOT NULL DEFAULT gen_random_uuid(),
        family_id         uuid NOT NULL,
        user_id           uuid NOT NULL,
        token_hash        bytea NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        expires_at        timestamptz NOT NULL,
        family_expires_at timestamptz NOT NULL,
        used_at           timestamptz,
        revoked_at        timestamptz,
        replaced_by       uuid,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (tenant_id, token_hash)`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id)`);

    // Platform-wide: the built-in issuer's keys. Not tenant data, so no tenant_id and no RLS.
    await q.query(`
      CREATE TABLE signing_keys (
        kid             text PRIMARY KEY,
        alg             text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
        public_jwk      jsonb NOT NULL,
        private_key_enc text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        retired_at      timestamptz
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id            bigint GENERATED ALWAYS AS IDENTITY,
        actor_user_id uuid,
        action        text NOT NULL,
        target_type   text,
        target_id     text,
        ip            text,
        request_id    text,
        details       jsonb NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (tenant_id, action, id)`);

    // RLS: the tenants table is keyed by its own id.
    await enableTenantIsolation(q, 'tenants', 'id');
    for (const table of ['user_groups', 'users', 'refresh_tokens', 'audit_log']) {
      await enableTenantIsolation(q, table);
    }

    await q.query(`GRANT SELECT, INSERT, UPDATE ON tenants TO ${RUNTIME_GROUP_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON user_groups, users, refresh_tokens TO ${RUNTIME_GROUP_ROLE}`,
    );
    await q.query(`GRANT SELECT, INSERT, UPDATE ON signing_keys TO ${RUNTIME_GROUP_ROLE}`);
    // The audit log is append-only for the application.
    await q.query(`GRANT SELECT, INSERT ON audit_log TO ${RUNTIME_GROUP_ROLE}`);

    // The only ways the runtime role can cross tenants: narrow SECURITY DEFINER lookups that return ids.
    await q.query(`
      CREATE FUNCTION app_tenant_by_slug(p_slug text)
      RETURNS TABLE (id uuid, status text, is_platform boolean)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT t.id, t.status, t.is_platform FROM tenants t WHERE t.slug = lower(p_slug) $$`);
    await q.query(`
      CREATE FUNCTION app_platform_tenants()
      RETURNS TABLE (id uuid, name text, slug text, status text, is_platform boolean, created_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT t.id, t.name, t.slug, t.status, t.is_platform, t.created_at FROM tenants t ORDER BY t.created_at, t.id $$`);
    for (const fn of ['app_tenant_by_slug(text)', 'app_platform_tenants()']) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${RUNTIME_GROUP_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_platform_tenants()`);
    await q.query(`DROP FUNCTION IF EXISTS app_tenant_by_slug(text)`);
    for (const table of ['audit_log', 'signing_keys', 'refresh_tokens', 'users', 'user_groups', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
