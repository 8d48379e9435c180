import { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_GROUP_ROLE } from '../tenancy-sql';

/**
 * Auth0 mode: an identity provider subject belongs to one tenant for good. Checking that on a subject's first
 * request needs one cross-tenant question, answered by a SECURITY DEFINER function (tenant ids only).
 */
export class AuthSubjects1733600000000 implements MigrationInterface {
  name = 'AuthSubjects1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX users_subject_idx ON users (auth_subject) WHERE auth_subject IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION app_subject_tenants(p_subject text)
      RETURNS TABLE (tenant_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT DISTINCT u.tenant_id FROM users u WHERE u.auth_subject = p_subject $$`);
    await q.query(`REVOKE ALL ON FUNCTION app_subject_tenants(text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_subject_tenants(text) TO ${RUNTIME_GROUP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_subject_tenants(text)`);
    await q.query(`DROP INDEX IF EXISTS users_subject_idx`);
  }
}
