import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { runEntryPoint } from './common/logging/process-guards';
import { loadConfig } from './config/app-config';
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

runEntryPoint('Worker startup', main);
