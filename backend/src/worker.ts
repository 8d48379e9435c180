import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';

/**
 * `npm run worker -w backend`: the same modules as the API, without HTTP, always running the queue workers
 * (sends, WAHA events, syncs, maintenance). Scale out by starting more of these (`--scale worker=N`).
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const config = { ...loaded, workers: { ...loaded.workers, inProcess: true } };
  if (config.database.migrateOnStart) await prepareDatabase(config.database);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  await app.init();
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
    error instanceof ConfigError ? error.message : `Worker startup failed: ${(error as Error).message}`;
  console.error(JSON.stringify({ level: 60, msg: message }));
  process.exit(1);
});
