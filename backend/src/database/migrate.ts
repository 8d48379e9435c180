import { loadConfig } from '../config/app-config';
import { prepareDatabase } from './prepare-database';

/** `npm run migrate -w backend`: create the database if missing and apply pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  await prepareDatabase(config.database, (msg) => console.log(JSON.stringify({ level: 'info', msg })));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({ level: 'fatal', msg: error instanceof Error ? error.message : String(error) }),
  );
  process.exit(1);
});
