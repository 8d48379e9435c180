// The stack under test, from the compiled code only (builds nothing): the WAHA emulator and the API
// (backend/dist/main.js, optionally a worker process backend/dist/worker.js) on free ports, against a dedicated
// database `whatsapp_bench` (created and migrated by the API itself, NODE_ENV=development; dropped at the end)
// and its own REDIS_KEY_PREFIX on the shared Redis. Creates a tenant, an Admin and a sending user (Editors), and
// optionally links a WORKING device through the emulator (QR + /emulator/scan), like scripts/demo.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pg from 'pg';
import { BENCH_DB, loadAverage, machineInfo, waitForQuietMachine } from './machine.mjs';
import {
  freePort,
  killAllChildren,
  LogFollower,
  SERVER_CPU,
  sleep,
  spawnLogged,
  stopProcess,
  waitFor,
} from './proc.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
export const PG_HOST = process.env.BENCH_PG_HOST || '127.0.0.1';
export const PG_PORT = Number(process.env.BENCH_PG_PORT || 5432);
export const OWNER_URL = `postgres://postgres@${PG_HOST}:${PG_PORT}/${BENCH_DB}`;
export const APP_USER = 'whatsapp_app';
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
export const WAHA_KEY = `bench-${randomBytes(8).toString('hex')}`;
const OPERATOR = { tenant: 'platform', username: 'platform', password: 'Platform-Dev-Only-2024' };
export const PASSWORD = `Bench-${randomBytes(6).toString('hex')}!`;

export function runtimeUrl(port = PG_PORT) {
  return `postgres://${APP_USER}@${PG_HOST}:${port}/${BENCH_DB}`;
}

const log = (...args) => console.error('[bench]', ...args);

/**
 * Which code is measured: git HEAD, when backend/dist was built, and source files newer than the build (the
 * benchmarks never build; a stale dist is reported, not fixed).
 */
export function buildInfo() {
  let head = 'unknown';
  try {
    head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  const distMs = existsSync(`${ROOT}backend/dist/main.js`)
    ? statSync(`${ROOT}backend/dist/main.js`).mtimeMs
    : 0;
  const newer = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.spec.ts') &&
        statSync(path).mtimeMs > distMs
      )
        newer.push(path.slice(`${ROOT}backend/src/`.length));
    }
  };
  walk(`${ROOT}backend/src`);
  return {
    head,
    distBuiltAt: new Date(distMs).toISOString().slice(0, 16).replace('T', ' ') + 'Z',
    srcNewerThanDist: newer,
  };
}

/** DROP DATABASE … WITH (FORCE): the bench database never outlives a run (also cleans up after a crash). */
export async function dropBenchDatabase() {
  const admin = new pg.Client({ connectionString: `postgres://postgres@${PG_HOST}:${PG_PORT}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(redis, pattern) {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      n += keys.length;
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
  return n;
}

async function http(base, method, path, { token, body, headers = {}, expect, timeoutMs = 30_000 } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (expect && !expect.includes(res.status)) {
    throw new Error(
      `${method} ${path}: expected ${expect.join('/')}, got ${res.status}: ${text.slice(0, 400)}`,
    );
  }
  return { status: res.status, data };
}

/**
 * Starts everything. Options:
 *  name            benchmark name (logs in bench/logs/<name>/, Redis prefix)
 *  workersInApi    WORKERS_IN_PROCESS for the API (default false)
 *  worker          also start a worker process (dist/worker.js) (default false)
 *  env             extra environment for the API and the worker
 *  emulatorConfig  POST /emulator/config before anything is linked (e.g. {contacts: 10000})
 *  device          link a WORKING device for the sending user (needs workersInApi or worker)
 *  waitQuiet       wait for a quiet machine first (default true)
 */
export async function startStack(options = {}) {
  const {
    name = 'bench',
    workersInApi = false,
    worker = false,
    env: extraEnv = {},
    emulatorConfig,
    device = false,
    waitQuiet = true,
  } = options;
  const machine = { ...machineInfo(), build: buildInfo() };
  const quiet = waitQuiet ? await waitForQuietMachine() : null;
  const logDir = `${BENCH_DIR}logs/${name}/`;
  rmSync(logDir, { recursive: true, force: true }); // keep only the latest run's logs
  mkdirSync(logDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const prefix = `bench:${name}:${process.pid}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const stack = {
    name,
    machine,
    quiet,
    logDir,
    prefix,
    redis,
    redisUrl: REDIS_URL,
    processes: {},
    extra: [],
    stopped: false,
  };
  installCleanup(stack);
  try {
    await bringUp(stack, { workersInApi, worker, extraEnv, emulatorConfig, device, logDir, stamp, prefix });
  } catch (error) {
    await stopStack(stack);
    throw error;
  }
  return stack;
}

async function bringUp(
  stack,
  { workersInApi, worker, extraEnv, emulatorConfig, device, logDir, stamp, prefix },
) {
  const { name, redis } = stack;
  await dropBenchDatabase();

  // Emulator.
  const emuPort = await freePort();
  stack.emuUrl = `http://127.0.0.1:${emuPort}`;
  stack.processes.emulator = spawnLogged(process.execPath, [`${ROOT}waha-emulator/dist/main.js`], {
    env: { WAHA_EMULATOR_PORT: String(emuPort), WAHA_API_KEY: WAHA_KEY, WAHA_EMULATOR_STARTING_MS: '200' },
    logFile: `${logDir}emulator-${stamp}.log`,
  });
  await waitFor('the WAHA emulator', async () => (await fetch(`${stack.emuUrl}/ping`)).ok, {
    child: stack.processes.emulator,
  });
  stack.emu = (method, path, opts = {}) =>
    http(stack.emuUrl, method, path, {
      ...opts,
      headers: { 'x-api-key': WAHA_KEY, ...(opts.headers ?? {}) },
    });
  if (emulatorConfig) await stack.emu('POST', '/emulator/config', { body: emulatorConfig, expect: [200] });

  // API (+ worker).
  const apiPort = await freePort();
  stack.apiPort = apiPort;
  stack.apiUrl = `http://127.0.0.1:${apiPort}`;
  stack.env = {
    NODE_ENV: 'development',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DATABASE_URL: OWNER_URL,
    DATABASE_APP_USER: APP_USER,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    WAHA_URL: stack.emuUrl,
    WAHA_API_KEY: WAHA_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
    // The benchmarks are one user hammering the API: the general limits would answer 429 within a second.
    RATE_LIMIT_PER_USER: '1000000',
    RATE_LIMIT_PER_IP: '1000000',
    LOGIN_RATE_LIMIT_PER_IP: '100000',
    LOGIN_RATE_LIMIT_PER_USERNAME: '100000',
    AUTH_ACCESS_TOKEN_TTL: '3600',
    WORKERS_IN_PROCESS: String(workersInApi),
    ...extraEnv,
  };
  stack.api = (method, path, opts) => http(stack.apiUrl, method, path, opts);

  stack.startApi = async (env = {}, nodeArgs = []) => {
    stack.processes.api = spawnLogged(process.execPath, [...nodeArgs, `${ROOT}backend/dist/main.js`], {
      cwd: `${ROOT}backend`,
      env: { ...stack.env, ...env },
      logFile: `${logDir}api-${stamp}.log`,
      cpu: SERVER_CPU,
    });
    await waitFor('the API (/health)', async () => (await fetch(`${stack.apiUrl}/health`)).ok, {
      child: stack.processes.api,
      timeoutMs: 90_000,
    });
    return stack.processes.api;
  };
  stack.restartApi = async (env = {}, nodeArgs = []) => {
    await stopProcess(stack.processes.api);
    return stack.startApi(env, nodeArgs);
  };
  stack.startWorker = async (env = {}) => {
    stack.processes.worker = spawnLogged(process.execPath, [`${ROOT}backend/dist/worker.js`], {
      cwd: `${ROOT}backend`,
      env: { ...stack.env, ...env },
      logFile: `${logDir}worker-${stamp}.log`,
    });
    const queue = new Queue('waha-events', { connection: redisConnection(), prefix: `${prefix}bull` });
    try {
      await waitFor('the worker', async () => (await queue.getWorkersCount()) > 0, {
        child: stack.processes.worker,
        timeoutMs: 60_000,
      });
    } finally {
      await queue.close();
    }
    return stack.processes.worker;
  };
  stack.stopWorker = async () => {
    await stopProcess(stack.processes.worker, 20_000);
    stack.processes.worker = null;
  };

  await stack.startApi();
  if (worker) await stack.startWorker();

  stack.owner = new pg.Pool({ connectionString: OWNER_URL, max: 3, application_name: 'bench-harness' });

  // Tenant, Admin, sending user (Editors).
  const operator = await login(stack, OPERATOR.tenant, OPERATOR.username, OPERATOR.password);
  const slug = `bench-${name.replace(/[^a-z0-9]/g, '')}-${randomBytes(3).toString('hex')}`;
  stack.tenant = await createTenant(stack, operator, slug);
  stack.operatorToken = operator;
  stack.admin = await signIn(stack, slug, 'admin');
  const { data: groups } = await stack.api('GET', '/user-groups', {
    token: stack.admin.token,
    expect: [200],
  });
  stack.groups = Object.fromEntries(groups.map((g) => [g.name, g.id]));
  await stack.api('POST', '/users', {
    token: stack.admin.token,
    body: { username: 'sender', password: PASSWORD, groupId: stack.groups.Editors },
    expect: [201],
  });
  stack.sender = await signIn(stack, slug, 'sender');

  if (device) stack.device = await linkDevice(stack, stack.sender.token, 'Bench phone');
  log(
    `stack up: api ${stack.apiUrl}, emulator ${stack.emuUrl}, db ${BENCH_DB}, prefix ${prefix}, logs ${logDir}`,
  );

  /** A runtime-role client inside a tenant transaction (RLS applies), like TenantDatabase.run(). */
  stack.asRuntime = async (tenantId, work, url = runtimeUrl()) => {
    const client = new pg.Client({ connectionString: url, application_name: 'bench-harness' });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await client.end();
    }
  };

  /** Removes every key of one BullMQ queue (the queue "only grows" during send benchmarks). */
  stack.clearQueue = (queueName) => deleteKeys(redis, `${prefix}bull:${queueName}:*`);
  stack.newTenant = async (tenantName) => {
    const s = `bench-${tenantName}-${randomBytes(3).toString('hex')}`;
    const tenant = await createTenant(stack, stack.operatorToken, s);
    return { ...tenant, admin: await signIn(stack, s, 'admin') };
  };
  stack.linkDevice = (token, deviceName, phone) => linkDevice(stack, token, deviceName, phone);
  stack.stop = () => stopStack(stack);
}

function redisConnection() {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}
export { redisConnection };

async function login(stack, tenant, username, password) {
  const { data } = await stack.api('POST', '/auth/login', {
    body: { tenant, username, password },
    expect: [200],
  });
  return data.accessToken;
}

async function signIn(stack, slug, username) {
  const token = await login(stack, slug, username, PASSWORD);
  const { data: me } = await stack.api('GET', '/auth/me', { token, expect: [200] });
  return { token, userId: me.userId ?? me.id, username, me };
}

async function createTenant(stack, operatorToken, slug) {
  const { data } = await stack.api('POST', '/tenants', {
    token: operatorToken,
    body: { name: `Bench ${slug}`, slug, admin: { username: 'admin', password: PASSWORD } },
    expect: [201],
  });
  return { id: data.id, slug: data.slug ?? slug };
}

/** Links a device like a user would: create it, scan its QR through the emulator, wait for WORKING. */
async function linkDevice(stack, token, name, phone = `49151${String(Date.now()).slice(-7)}`) {
  const { data: device } = await stack.api('POST', '/whatsapp/devices', {
    token,
    body: { name },
    expect: [201],
  });
  let qr = device.qr;
  if (!qr) {
    qr = await waitFor(
      `the QR of ${name}`,
      async () => {
        const { status, data } = await stack.api('GET', `/whatsapp/devices/${device.id}/qr`, { token });
        return status === 200 ? data : null;
      },
      { intervalMs: 200 },
    );
  }
  await stack.emu('POST', '/emulator/scan', { body: { qr: qr.value, phoneNumber: phone }, expect: [200] });
  const working = await waitFor(
    `${name} to reach WORKING`,
    async () => {
      const { data } = await stack.api('GET', `/whatsapp/devices/${device.id}`, { token });
      return data?.status === 'WORKING' ? data : null;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { id: working.id, phone, sessionName: working.sessionName ?? null, data: working };
}

async function stopStack(stack) {
  if (stack.stopped) return;
  stack.stopped = true;
  for (const p of stack.extra) await stopProcess(p).catch(() => undefined);
  await stopProcess(stack.processes.worker, 20_000).catch(() => undefined);
  await stopProcess(stack.processes.api).catch(() => undefined);
  await stopProcess(stack.processes.emulator).catch(() => undefined);
  await stack.owner?.end().catch(() => undefined);
  try {
    const n = await deleteKeys(stack.redis, `${stack.prefix}*`);
    log(`removed ${n} Redis keys under ${stack.prefix}`);
  } catch (error) {
    log(`could not remove Redis keys: ${error.message}`);
  }
  stack.redis.disconnect();
  await dropBenchDatabase().catch((error) => log(`could not drop ${BENCH_DB}: ${error.message}`));
  stack.loadAfter = loadAverage();
}

function installCleanup(stack) {
  const onSignal = async (signal) => {
    log(`${signal}: stopping the stack`);
    killAllChildren();
    try {
      await deleteKeys(stack.redis, `${stack.prefix}*`);
    } catch {
      /* best effort */
    }
    await dropBenchDatabase().catch(() => undefined);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Runs a benchmark body with the stack and always tears it down; exits non-zero on failure. */
export async function withStack(options, body) {
  let stack;
  try {
    stack = await startStack(options);
    return await body(stack);
  } catch (error) {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
    return undefined;
  } finally {
    if (stack) await stack.stop();
    else {
      killAllChildren();
      await dropBenchDatabase().catch(() => undefined);
    }
  }
}

export { existsSync, randomUUID, sleep, LogFollower };
