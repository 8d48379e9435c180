#!/usr/bin/env node
// Container health check for the backend image (no curl in the image: node's fetch and the app's own drivers).
//
//   node healthcheck.mjs api      GET http://127.0.0.1:$PORT/health must answer 200 (PostgreSQL and Redis up)
//   node healthcheck.mjs worker   the worker has no HTTP port: it is healthy when Redis answers PING and
//                                 PostgreSQL answers SELECT 1 with the worker's own credentials
//
// Exit 0 = healthy, 1 = unhealthy; one short line on stdout either way (docker keeps it in `inspect`).
import { createRequire } from 'node:module';

const TIMEOUT_MS = 4000;
const mode = process.argv[2] ?? 'api';

function done(ok, message) {
  console.log(`${ok ? 'healthy' : 'unhealthy'}: ${message}`);
  process.exit(ok ? 0 : 1);
}

async function checkApi() {
  const port = process.env.PORT || '3000';
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await res.text();
  done(res.status === 200, `GET /health -> ${res.status} ${body.slice(0, 200)}`);
}

async function checkWorker() {
  // The drivers are the backend's own dependencies (hoisted to /app/node_modules in the image).
  const require = createRequire(new URL('../../backend/package.json', import.meta.url));
  const Redis = require('ioredis');
  const { Client } = require('pg');

  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') done(false, `redis answered ${pong}`);
  } finally {
    redis.disconnect();
  }

  const databaseUrl = process.env.DATABASE_APP_URL;
  if (!databaseUrl) done(false, 'DATABASE_APP_URL is not set');
  const pg = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } finally {
    await pg.end().catch(() => undefined);
  }
  done(true, 'redis PONG, postgres SELECT 1');
}

const timer = setTimeout(() => done(false, `no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS + 500);
timer.unref();
(mode === 'worker' ? checkWorker() : checkApi()).catch((error) =>
  done(false, error instanceof Error ? error.message : String(error)),
);
