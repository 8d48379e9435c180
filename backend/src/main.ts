import 'reflect-metadata';
import { createApp } from './bootstrap';
import { runEntryPoint } from './common/logging/process-guards';
import { loadConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.migrateOnStart) {
    await prepareDatabase(config.database, (msg) => console.log(JSON.stringify({ level: 30, msg })));
  }
  const app = await createApp(config);
  await app.listen({ port: config.http.port, host: config.http.host });
}

runEntryPoint('Startup', main);
