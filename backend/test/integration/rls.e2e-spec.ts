import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { TenantDatabase } from '../../src/common/database/tenant-database';
import { loadConfig } from '../../src/config/app-config';
import { RUNTIME_GROUP_ROLE } from '../../src/database/tenancy-sql';
import { startTestApp, TestApp } from '../utils/app';
import { createTenant, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

const config = loadConfig();
const RUNTIME_URL = config.database.appUrl;
const RUNTIME_USER = config.database.appUser;

/** Tenant-owned tables of the foundation migration, with the column holding the tenant. */
const TENANT_TABLES = ['users', 'user_groups', 'refresh_tokens', 'audit_log'] as const;

interface PgError {
  code?: string;
  message: string;
}

async function runtimeClient(): Promise<Client> {
  const client = new Client({ connectionString: RUNTIME_URL });
  await client.connect();
  return client;
}

async function withRuntime<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = await runtimeClient();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` in a transaction scoped to `tenantId` exactly as TenantDatabase does, then rolls back. */
async function inTenant<T>(
  client: Client | PoolClient,
  tenantId: string,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

/** The error a statement raises, run under a savepoint so the surrounding transaction stays usable. */
async function failure(client: Client, sql: string, params: unknown[] = []): Promise<PgError> {
  await client.query('SAVEPOINT probe');
  try {
    const result = await client.query(sql, params);
    throw new Error(`expected "${sql}" to fail, it returned ${result.rowCount} row(s)`);
  } catch (error) {
    if ((error as Error).message.startsWith('expected "')) throw error;
    await client.query('ROLLBACK TO SAVEPOINT probe');
    return error as PgError;
  }
}

async function ownerCount(table: string, tenantColumn: string, tenantId: string): Promise<number> {
  const [row] = await ownerQuery<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${tenantColumn} = $1`,
    [tenantId],
  );
  return Number(row!.n);
}

describe('Row-Level Security as the runtime role', () => {
  let t: TestApp;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    [a, b] = [await createTenant(t), await createTenant(t)];
  });
  afterAll(() => t.close());

  it('connects as the runtime login role, not the owner', async () => {
    const [row] = await withRuntime(async (c) => (await c.query('SELECT current_user AS user')).rows);
    expect(row.user).toBe(RUNTIME_USER);
    expect(RUNTIME_URL).not.toBe(config.database.ownerUrl);
  });

  describe('reads are limited to the tenant of the transaction', () => {
    it.each(TENANT_TABLES)("SELECT * FROM %s returns only that tenant's rows", async (table) => {
      await withRuntime(async (client) => {
        for (const tenant of [a, b]) {
          const rows = await inTenant(
            client,
            tenant.id,
            async () => (await client.query(`SELECT * FROM ${table}`)).rows,
          );
          const expected = await ownerCount(table, 'tenant_id', tenant.id);
          expect(expected).toBeGreaterThan(0);
          expect(rows).toHaveLength(expected);
          expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([tenant.id]));
        }
      });
      // Other tenants' rows exist: the filter, not an empty table, explains the result.
      const [total] = await ownerQuery<{ n: string }>(`SELECT count(DISTINCT tenant_id) AS n FROM ${table}`);
      expect(Number(total!.n)).toBeGreaterThanOrEqual(2);
    });

    it('SELECT * FROM tenants returns only the tenant itself', async () => {
      await withRuntime(async (client) => {
        const rows = await inTenant(
          client,
          a.id,
          async () => (await client.query('SELECT * FROM tenants')).rows,
        );
        expect(rows.map((r) => r.id)).toEqual([a.id]);
      });
      const [all] = await ownerQuery<{ n: string }>('SELECT count(*) AS n FROM tenants');
      expect(Number(all!.n)).toBeGreaterThanOrEqual(3);
    });

    it("UPDATE and DELETE of another tenant's rows touch nothing", async () => {
      await withRuntime(async (client) => {
        await inTenant(client, a.id, async () => {
          const updated = await client.query(`UPDATE users SET username = 'pwned' WHERE tenant_id = $1`, [
            b.id,
          ]);
          const deleted = await client.query('DELETE FROM refresh_tokens WHERE tenant_id = $1', [b.id]);
          const byId = await client.query(`UPDATE users SET username = 'pwned' WHERE id = $1`, [
            b.users.admin.id,
          ]);
          expect([updated.rowCount, deleted.rowCount, byId.rowCount]).toEqual([0, 0, 0]);
          // The same statements do reach rows of the own tenant.
          const own = await client.query(`UPDATE users SET username = username WHERE tenant_id = $1`, [a.id]);
          expect(own.rowCount).toBe(3);
        });
      });
    });
  });

  describe('a query without a tenant context fails instead of returning rows', () => {
    it.each([...TENANT_TABLES, 'tenants'])('%s on a fresh connection', async (table) => {
      await withRuntime(async (client) => {
        await expect(client.query(`SELECT * FROM ${table}`)).rejects.toMatchObject({
          message: expect.stringContaining('unrecognized configuration parameter "app.tenant_id"'),
        });
      });
    });

    it('after a committed transaction left app.tenant_id empty on the same connection', async () => {
      await withRuntime(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.id]);
        expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(3);
        await client.query('COMMIT');

        const { rows } = await client.query(`SELECT current_setting('app.tenant_id') AS value`);
        expect(rows[0].value).toBe('');
        for (const table of [...TENANT_TABLES, 'tenants']) {
          await expect(client.query(`SELECT * FROM ${table}`)).rejects.toMatchObject({
            code: '22P02',
            message: expect.stringContaining('invalid input syntax for type uuid'),
          });
        }
      });
    });
  });

  describe('writes into another tenant are refused', () => {
    it('INSERT with tenant_id of B while in A (WITH CHECK)', async () => {
      await withRuntime((client) =>
        inTenant(client, a.id, async () => {
          const insertUser = `INSERT INTO users (tenant_id, username, group_id) VALUES ($1, $2, $3)`;
          // Control: the same statement for the own tenant works.
          await client.query(insertUser, [a.id, 'rls-own', a.groups.Viewers]);

          const user = await failure(client, insertUser, [b.id, 'rls-intruder', b.groups.Viewers]);
          expect(user).toMatchObject({
            code: '42501',
            message: expect.stringContaining('row-level security'),
          });

          const audit = await failure(
            client,
            `INSERT INTO audit_log (tenant_id, action) VALUES ($1, 'forged')`,
            [b.id],
          );
          expect(audit).toMatchObject({
            code: '42501',
            message: expect.stringContaining('row-level security'),
          });

          const tenant = await failure(client, `INSERT INTO tenants (id, name, slug) VALUES ($1, 'X', $2)`, [
            randomUUID(),
            `rls-${randomBytes(4).toString('hex')}`,
          ]);
          expect(tenant).toMatchObject({
            code: '42501',
            message: expect.stringContaining('row-level security'),
          });
        }),
      );
    });

    it('UPDATE of an A row to tenant_id B (WITH CHECK)', async () => {
      await withRuntime((client) =>
        inTenant(client, a.id, async () => {
          for (const [sql, id] of [
            ['UPDATE users SET tenant_id = $1 WHERE id = $2', a.users.viewer.id],
            ['UPDATE user_groups SET tenant_id = $1 WHERE id = $2', a.groups.Viewers],
            ['UPDATE tenants SET id = $1 WHERE id = $2', a.id],
          ] as const) {
            const error = await failure(client, sql, [b.id, id]);
            expect(error).toMatchObject({
              code: '42501',
              message: expect.stringContaining('row-level security'),
            });
          }
        }),
      );
      const [viewer] = await ownerQuery<{ tenant_id: string }>('SELECT tenant_id FROM users WHERE id = $1', [
        a.users.viewer.id,
      ]);
      expect(viewer!.tenant_id).toBe(a.id);
    });

    it("an A row pointing at B's group or user (composite foreign keys)", async () => {
      // B's group really exists: a foreign key on group_id alone would accept it.
      expect(await ownerCount('user_groups', 'id', b.groups.Viewers)).toBe(1);
      await withRuntime((client) =>
        inTenant(client, a.id, async () => {
          const insert = await failure(
            client,
            `INSERT INTO users (tenant_id, username, group_id) VALUES ($1, 'crosslinked', $2)`,
            [a.id, b.groups.Viewers],
          );
          expect(insert).toMatchObject({ code: '23503', message: expect.stringContaining('foreign key') });

          const update = await failure(client, 'UPDATE users SET group_id = $1 WHERE id = $2', [
            b.groups.Admins,
            a.users.viewer.id,
          ]);
          expect(update).toMatchObject({ code: '23503' });

          const token = await failure(
            client,
            `INSERT INTO refresh_tokens (tenant_id, family_id, user_id, token_hash, expires_at, family_expires_at)
             VALUES ($1, $2, $3, $4, now() + interval '1 day', now() + interval '1 day')`,
            [a.id, randomUUID(), b.users.admin.id, randomBytes(32)],
          );
          expect(token).toMatchObject({ code: '23503' });
        }),
      );
    });

    it('the audit log is append-only: UPDATE, DELETE and TRUNCATE are denied', async () => {
      await withRuntime((client) =>
        inTenant(client, a.id, async () => {
          await client.query(`INSERT INTO audit_log (tenant_id, action) VALUES ($1, 'rls.probe')`, [a.id]);
          expect((await client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBeGreaterThan(
            0,
          );
          for (const sql of [
            `UPDATE audit_log SET action = 'rewritten'`,
            'DELETE FROM audit_log',
            'TRUNCATE audit_log',
          ]) {
            const error = await failure(client, sql);
            expect(error).toMatchObject({
              code: '42501',
              message: expect.stringContaining('permission denied for table audit_log'),
            });
          }
        }),
      );
    });
  });

  describe('catalog', () => {
    it('every table with a tenant_id column, and tenants, has forced RLS and USING + WITH CHECK policies', async () => {
      const tables = await ownerQuery<{
        relname: string;
        relrowsecurity: boolean;
        relforcerowsecurity: boolean;
      }>(`
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND (c.relname = 'tenants' OR EXISTS (
            SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
        ORDER BY c.relname`);
      expect(tables.map((r) => r.relname)).toEqual(expect.arrayContaining([...TENANT_TABLES, 'tenants']));

      const policies = await ownerQuery<{
        table: string;
        polcmd: string;
        polpermissive: boolean;
        qual: string | null;
        check: string | null;
      }>(`
        SELECT c.relname AS table, p.polcmd, p.polpermissive,
               pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`);

      const problems: string[] = [];
      for (const table of tables) {
        if (!table.relrowsecurity) problems.push(`${table.relname}: RLS not enabled`);
        if (!table.relforcerowsecurity) problems.push(`${table.relname}: RLS not forced`);
        const own = policies.filter((p) => p.table === table.relname);
        if (!own.some((p) => p.polcmd === '*' && p.qual && p.check)) {
          problems.push(`${table.relname}: no policy for all commands with USING and WITH CHECK`);
        }
        for (const policy of own) {
          for (const expression of [policy.qual, policy.check]) {
            // Permissive policies are OR-ed: each one must be tied to the tenant context, and never with
            // current_setting(..., true), which turns a missing context into NULL instead of an error.
            if (expression !== null && !/current_setting\('app\.tenant_id'::text\)/.test(expression)) {
              problems.push(`${table.relname}: policy expression not tied to app.tenant_id: ${expression}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it.each([RUNTIME_USER, RUNTIME_GROUP_ROLE])(
      'role %s is no superuser, cannot bypass RLS and owns nothing',
      async (role) => {
        const [attributes] = await ownerQuery<{
          rolsuper: boolean;
          rolbypassrls: boolean;
          rolcreaterole: boolean;
        }>('SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = $1', [role]);
        expect(attributes).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false });

        const [owned] = await ownerQuery<{
          relations: number;
          functions: number;
          schemas: number;
          databases: number;
        }>(
          `SELECT (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS relations,
                (SELECT count(*)::int FROM pg_proc WHERE proowner = r.oid) AS functions,
                (SELECT count(*)::int FROM pg_namespace WHERE nspowner = r.oid) AS schemas,
                (SELECT count(*)::int FROM pg_database WHERE datdba = r.oid) AS databases
         FROM pg_roles r WHERE r.rolname = $1`,
          [role],
        );
        expect(owned).toEqual({ relations: 0, functions: 0, schemas: 0, databases: 0 });

        // Nor can it become a role that could: membership would allow SET ROLE.
        const escalations = await ownerQuery<{ rolname: string }>(
          `SELECT r.rolname FROM pg_roles r
         WHERE pg_has_role($1, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls)`,
          [role],
        );
        expect(escalations).toEqual([]);
      },
    );

    it('the runtime login role is a member of the runtime group role', async () => {
      const [row] = await ownerQuery<{ member: boolean }>(`SELECT pg_has_role($1, $2, 'MEMBER') AS member`, [
        RUNTIME_USER,
        RUNTIME_GROUP_ROLE,
      ]);
      expect(row!.member).toBe(true);
    });
  });

  describe('cross-tenant SECURITY DEFINER lookups', () => {
    const FUNCTIONS = ['app_tenant_by_slug(text)', 'app_platform_tenants()'];

    it.each(FUNCTIONS)('%s is executable by the runtime role but not by PUBLIC', async (fn) => {
      const [row] = await ownerQuery<{ runtime: boolean; group: boolean; public: boolean; definer: boolean }>(
        `SELECT has_function_privilege($1, $3::regprocedure, 'EXECUTE') AS runtime,
                has_function_privilege($2, $3::regprocedure, 'EXECUTE') AS group,
                has_function_privilege('public', $3::regprocedure, 'EXECUTE') AS public,
                (SELECT prosecdef FROM pg_proc WHERE oid = $3::regprocedure) AS definer`,
        [RUNTIME_USER, RUNTIME_GROUP_ROLE, fn],
      );
      expect(row).toEqual({ runtime: true, group: true, public: false, definer: true });
    });

    it('a role without the grant cannot call them', async () => {
      const role = `rls_probe_${randomBytes(4).toString('hex')}`;
      const owner = new Client({ connectionString: config.database.ownerUrl });
      await owner.connect();
      try {
        await owner.query(`CREATE ROLE ${role} NOLOGIN`);
        await owner.query(`SET ROLE ${role}`);
        for (const call of [
          `SELECT * FROM app_tenant_by_slug('${a.slug}')`,
          'SELECT * FROM app_platform_tenants()',
        ]) {
          await expect(owner.query(call)).rejects.toMatchObject({
            code: '42501',
            message: expect.stringMatching(/permission denied for function app_/),
          });
        }
        await owner.query('RESET ROLE');
      } finally {
        await owner.query('RESET ROLE').catch(() => undefined);
        await owner.query(`DROP ROLE IF EXISTS ${role}`);
        await owner.end();
      }
    });

    it('the runtime role gets ids through them without any tenant context', async () => {
      await withRuntime(async (client) => {
        const bySlug = await client.query('SELECT * FROM app_tenant_by_slug($1)', [a.slug]);
        expect(bySlug.rows).toEqual([{ id: a.id, status: 'active', is_platform: false }]);
        const all = await client.query('SELECT id FROM app_platform_tenants()');
        expect(all.rows.map((r) => r.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      });
    });

    it('every SECURITY DEFINER function pins its search_path and is closed to PUBLIC', async () => {
      const functions = await ownerQuery<{ signature: string; config: string[] | null; public: boolean }>(`
        SELECT p.oid::regprocedure::text AS signature, p.proconfig AS config,
               has_function_privilege('public', p.oid, 'EXECUTE') AS public
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef`);
      expect(functions.map((f) => f.signature)).toEqual(expect.arrayContaining(FUNCTIONS));
      const problems = functions.flatMap((f) => [
        ...(f.public ? [`${f.signature}: executable by PUBLIC`] : []),
        ...((f.config ?? []).some((c) => c.startsWith('search_path='))
          ? []
          : [`${f.signature}: no search_path`]),
      ]);
      expect(problems).toEqual([]);
    });
  });

  describe('no tenant context leaks through a pool of two connections', () => {
    const delay = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));

    it('500 interleaved A/B transactions each see only their own tenant', async () => {
      const pool = new Pool({ connectionString: RUNTIME_URL, max: 2 });
      const pids = new Set<number>();
      let leaks = 0;
      let unscopedServed = 0;
      try {
        const work = Array.from({ length: 500 }, async (_, i) => {
          await delay();
          const client = await pool.connect();
          try {
            pids.add((client as unknown as { processID: number }).processID);
            if (i % 25 === 24) {
              // A borrower that forgot the context must get an error, never the previous tenant's rows.
              const result = await client.query('SELECT DISTINCT tenant_id FROM users').catch(() => null);
              if (result) unscopedServed++;
              return;
            }
            const tenantId = i % 2 === 0 ? a.id : b.id;
            await client.query('BEGIN');
            await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
            await delay();
            const { rows } = await client.query('SELECT DISTINCT tenant_id FROM users');
            await client.query('COMMIT');
            if (rows.length !== 1 || rows[0].tenant_id !== tenantId) leaks++;
          } finally {
            client.release();
          }
        });
        await Promise.all(work);
      } finally {
        await pool.end();
      }
      expect({ leaks, unscopedServed }).toEqual({ leaks: 0, unscopedServed: 0 });
      expect(pids.size).toBe(2); // both connections were reused many times
    });

    it("the same through the application's TenantDatabase on a TypeORM pool of two", async () => {
      const dataSource = new DataSource({ type: 'postgres', url: RUNTIME_URL, extra: { max: 2 } });
      await dataSource.initialize();
      try {
        const db = new TenantDatabase(dataSource);
        const seen = await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const tenantId = i % 2 === 0 ? a.id : b.id;
            const rows = await db.run(tenantId, async (tx) => {
              await delay();
              return tx.em.query('SELECT DISTINCT tenant_id FROM users') as Promise<{ tenant_id: string }[]>;
            });
            return rows.length === 1 && rows[0]!.tenant_id === tenantId;
          }),
        );
        expect(seen.filter((ok) => !ok)).toHaveLength(0);
        // A query through the pool instead of the transaction's manager fails closed.
        await expect(dataSource.query('SELECT * FROM users')).rejects.toThrow();
      } finally {
        await dataSource.destroy();
      }
    });
  });
});
