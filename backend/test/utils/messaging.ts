import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { RunningEmulator } from 'waha-emulator';
import { QueueName } from '../../src/common/queue/queue-names';
import { bullConnection } from '../../src/common/queue/redis-connection';
import { TestApp } from './app';
import { bearer } from './fixtures';
import { ownerQuery } from './owner-db';
import { emulatorCall, eventually } from './waha';

/** Timings that make sends immediate in tests (no pacing gap, no jitter, short retries). */
export const FAST_SENDING = {
  MESSAGE_RATE_PER_DEVICE_PER_MINUTE: '60000',
  MESSAGE_JITTER_MS: '0',
  MESSAGE_RETRY_DELAY_MS: '100',
  MESSAGE_RECOVER_AFTER_SECONDS: '1',
  QUEUE_LOCK_DURATION_MS: '2000',
};

export const DONE = ['sent', 'delivered', 'read'];

/** One accepted `sendText` call as the emulator recorded it. */
export interface SentRecord {
  session: string;
  chatId: string;
  text: string;
  id: string;
  at: string;
}

export async function emulatorSent(emulator: RunningEmulator): Promise<SentRecord[]> {
  const res = await emulatorCall<SentRecord[]>(emulator, 'GET', '/emulator/sent');
  if (res.status !== 200) throw new Error(`GET /emulator/sent: ${res.status}`);
  return res.body;
}

export async function sentWithText(emulator: RunningEmulator, text: string): Promise<SentRecord[]> {
  return (await emulatorSent(emulator)).filter((s) => s.text === text);
}

/** A message row as stored (owner connection, RLS bypassed). */
export interface MessageRow {
  id: string;
  tenant_id: string;
  device_id: string;
  user_id: string | null;
  chat_id: string;
  direction: string;
  body: string;
  status: string;
  error: string | null;
  source: string;
  wa_message_id: string | null;
  sender_id: string | null;
  attempts: number;
  idempotency_key: string | null;
  created_at: Date;
}

export async function messageRow(id: string): Promise<MessageRow | undefined> {
  const [row] = await ownerQuery<MessageRow>(`SELECT * FROM messages WHERE id = $1`, [id]);
  return row;
}

/** Polls the stored row until its status is one of `statuses`. */
export function waitForMessage(id: string, statuses: string[], timeoutMs = 10_000): Promise<MessageRow> {
  return eventually(async () => {
    const row = await messageRow(id);
    return row && statuses.includes(row.status) ? row : null;
  }, timeoutMs);
}

/** Polls (one query per round) until every message in `ids` has one of `statuses`. */
export function waitForAll(ids: string[], statuses: string[], timeoutMs = 15_000): Promise<true> {
  return eventually(async () => {
    const [row] = await ownerQuery<{ done: string }>(
      `SELECT count(*) AS done FROM messages WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])`,
      [ids, statuses],
    );
    return Number(row!.done) === ids.length ? (true as const) : null;
  }, timeoutMs);
}

export async function countMessages(tenantId: string): Promise<number> {
  const [row] = await ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE tenant_id = $1`, [
    tenantId,
  ]);
  return Number(row!.n);
}

export interface SendBody {
  deviceId?: string;
  to?: unknown;
  text?: unknown;
}

export function postSend(t: TestApp, token: string, body: SendBody, idempotencyKey?: string) {
  const req = t.http().post('/whatsapp/send').set(bearer(token));
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A throw-away redis-server on a fixed port (no persistence), which tests can kill, pause and start again on
 * the same port.
 */
export class RedisServer {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('redis-server already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await eventually(async () => {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 5000);
  }

  /** SIGKILL: the server and everything in it are gone; connections are reset. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  /** SIGSTOP: connections stay open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

const BACKEND_DIR = join(__dirname, '..', '..');
const WORKER_ENTRY = join(BACKEND_DIR, 'dist', 'worker.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the backend (`npm run build -w backend`) when dist/worker.js is missing or older than src/. */
export function ensureWorkerBuilt(): void {
  const built = existsSync(WORKER_ENTRY) ? statSync(WORKER_ENTRY).mtimeMs : 0;
  if (built >= newestMtime(join(BACKEND_DIR, 'src'))) return;
  try {
    execFileSync('npm', ['run', 'build', '-w', 'backend'], {
      cwd: join(BACKEND_DIR, '..'),
      stdio: 'pipe',
      timeout: 120_000,
    });
  } catch (error) {
    // tsc still emits when some file has type errors; only a build that wrote nothing is fatal here.
    const rebuilt = existsSync(WORKER_ENTRY) ? statSync(WORKER_ENTRY).mtimeMs : 0;
    if (rebuilt <= built) throw error;
    const output = String((error as { stdout?: Buffer }).stdout ?? '');
    console.warn(
      `npm run build -w backend reported errors; using what it emitted:\n${output.slice(0, 2000)}`,
    );
  }
}

/** `node backend/dist/worker.js` as a child process, with its output kept for diagnostics. */
export class WorkerProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [WORKER_ENTRY], {
      cwd: BACKEND_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 200) this.output.shift();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no shutdown hooks, locks stay in Redis until they expire. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful: active jobs finish), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The environment of a worker process that serves the same database, Redis prefix and WAHA as `api`;
 * `env` is what the API was started with (timings, WAHA).
 */
export function workerEnvFor(api: TestApp, env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL!,
    REDIS_URL: api.config.redis.url,
    REDIS_KEY_PREFIX: api.config.redis.keyPrefix,
    AUTH_KEY_SECRET: process.env.AUTH_KEY_SECRET!,
    PLATFORM_ADMIN_USERNAME: process.env.PLATFORM_ADMIN_USERNAME!,
    PLATFORM_ADMIN_PASSWORD: process.env.PLATFORM_ADMIN_PASSWORD!,
    DATABASE_MIGRATE_ON_START: 'false',
    PORT: new URL(api.url).port,
    WAHA_WEBHOOK_URL: api.config.waha.webhookUrl,
    LOG_LEVEL: 'warn',
  };
}

/**
 * Drops the sends still waiting or delayed in `app`'s queue, waits for the active ones and marks the tenants'
 * unfinished messages failed, so that closing the app does not race a backlog the test has finished looking at,
 * and no other app's recovery sweep (it runs across tenants) picks the backlog up later.
 */
export async function dropPendingSends(app: TestApp, tenantIds: string[]): Promise<void> {
  const queue = new Queue(QueueName.Messages, {
    connection: bullConnection(app.config.redis.url),
    prefix: `${app.config.redis.keyPrefix}bull`,
  });
  try {
    await queue.drain(true);
    await eventually(async () => (await queue.getJobCounts('active')).active === 0, 10_000).catch(
      () => undefined,
    );
  } finally {
    await queue.close();
  }
  await ownerQuery(
    `UPDATE messages SET status = 'failed', error = 'dropped by the test', updated_at = now()
     WHERE tenant_id = ANY($1::uuid[]) AND status IN ('queued', 'sending')`,
    [tenantIds],
  );
}

/** Pauses `app`'s send queue (every worker of its Redis prefix stops taking jobs) until the returned resume. */
export async function pauseSends(app: TestApp): Promise<() => Promise<void>> {
  const queue = new Queue(QueueName.Messages, {
    connection: bullConnection(app.config.redis.url),
    prefix: `${app.config.redis.keyPrefix}bull`,
  });
  await queue.pause();
  return async () => {
    await queue.resume();
    await queue.close();
  };
}
