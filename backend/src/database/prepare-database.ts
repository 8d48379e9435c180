import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';
import { RUNTIME_GROUP_ROLE } from './tenancy-sql';

const MIGRATION_LOCK_ID = 724_100_001;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function ownerDataSource(ownerUrl: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url: ownerUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    logging: false,
  });
}

/**
 * Brings a PostgreSQL server to the schema this build expects, as the owner role:
 * creates the database when missing, runs pending migrations (one process at a time, under an advisory
 * lock), and makes sure the runtime login role exists, is a member of `app_runtime` and cannot bypass RLS.
 */
export async function prepareDatabase(
  config: AppConfig['database'],
  log: (msg: string) => void = () => undefined,
): Promise<void> {
  const target = new URL(config.ownerUrl);
  const databaseName = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!databaseName) throw new Error('DATABASE_URL must name a database');

  const maintenanceUrl = new URL(config.ownerUrl);
  maintenanceUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: maintenanceUrl.toString() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdent(databaseName)}`);
      log(`created database ${databaseName}`);
    }
    await ensureRuntimeLogin(admin, config);
  } finally {
    await admin.end();
  }

  const dataSource = ownerDataSource(config.ownerUrl);
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) log(`applied migration ${migration.name}`);
    await dataSource.query(`GRANT ${RUNTIME_GROUP_ROLE} TO ${quoteIdent(config.appUser)}`);
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

async function ensureRuntimeLogin(admin: Client, config: AppConfig['database']): Promise<void> {
  const role = quoteIdent(config.appUser);
  const found = await admin.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1',
    [config.appUser],
  );
  const password = config.appPassword ? ` PASSWORD ${quoteLiteral(config.appPassword)}` : '';
  if (found.rowCount === 0) {
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE${password}`);
    return;
  }
  const { rolsuper, rolbypassrls } = found.rows[0]!;
  if (rolsuper || rolbypassrls) {
    // Refuse rather than silently serve every tenant through a role that ignores RLS.
    throw new Error(
      `DATABASE_APP_USER "${config.appUser}" is a superuser or has BYPASSRLS; use an ordinary role`,
    );
  }
  if (password) await admin.query(`ALTER ROLE ${role} WITH LOGIN${password}`);
}
