import 'reflect-metadata';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.migrateOnStart) {
    await prepareDatabase(config.database, (msg) => console.log(JSON.stringify({ level: 30, msg })));
  }
  const app = await createApp(config);
  await app.listen({ port: config.http.port, host: config.http.host });
}

// A stray rejection (a dependency failing mid-shutdown, say) is logged, not allowed to kill the process.
process.on('unhandledRejection', (reason: unknown) => {
  console.error(
    JSON.stringify({
      level: 50,
      msg: 'Unhandled rejection',
      err: (reason as Error)?.message ?? String(reason),
    }),
  );
});

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? error.message : `Startup failed: ${(error as Error).message}`;
  console.error(JSON.stringify({ level: 60, msg: message }));
  process.exit(1);
});
