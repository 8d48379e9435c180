import Redis from 'ioredis';
import { Client } from 'pg';
import './setup-env';
import { loadConfig } from '../src/config/app-config';
import { prepareDatabase } from '../src/database/prepare-database';

/**
 * Once per `jest` run: a fresh test database migrated from zero (so every migration is exercised) and an
 * empty Redis key space under the test prefix. The machine's other databases and keys are left alone.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const url = new URL(config.database.ownerUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await prepareDatabase(config.database);

  const redis = new Redis(config.redis.url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redis.keyPrefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
