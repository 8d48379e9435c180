import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  /** supertest bound to the running server */
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/**
 * Starts the real application (same createApp as production) on an ephemeral port, against the test
 * database and Redis. `env` overrides single variables for one suite.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ ...process.env, ...env });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    url,
    http: () => request(url),
    close: () => app.close(),
  };
}
