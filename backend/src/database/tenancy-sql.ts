import { QueryRunner } from 'typeorm';

/** NOLOGIN role holding the runtime privileges; the API's login role is a member of it. */
export const RUNTIME_GROUP_ROLE = 'app_runtime';

/** The RLS predicate. A missing or empty `app.tenant_id` makes the cast fail: queries error instead of leaking. */
export const TENANT_PREDICATE = `current_setting('app.tenant_id')::uuid`;

/**
 * Enables and forces Row-Level Security on a tenant-owned table, with the same predicate for reads (USING)
 * and writes (WITH CHECK). FORCE makes it apply to the table owner too.
 */
export async function enableTenantIsolation(
  q: QueryRunner,
  table: string,
  column = 'tenant_id',
): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY tenant_isolation ON ${table} USING (${column} = ${TENANT_PREDICATE}) WITH CHECK (${column} = ${TENANT_PREDICATE})`,
  );
}
