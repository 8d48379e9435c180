import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
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
  // The port is chosen up front because the config derives from it (WAHA's webhook URL points back here).
  const port = env.PORT && env.PORT !== '0' ? Number(env.PORT) : await freePort();
  const config = loadConfig({ ...process.env, ...env, PORT: String(port) });
  const app = await createApp(config);
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    url,
    http: () => request(url),
    close: () => app.close(),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
