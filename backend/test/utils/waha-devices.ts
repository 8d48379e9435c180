import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { RunningEmulator, SessionInfo } from 'waha-emulator';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { QueueName } from '../../src/common/queue/queue-names';
import { bullConnection } from '../../src/common/queue/redis-connection';
import { startTestApp, TestApp } from './app';
import { bearer } from './fixtures';
import { ownerQuery } from './owner-db';
import { emulatorCall, EMULATOR_KEY, eventually } from './waha';

/** A device as the API answers it. */
export interface DeviceBody {
  id: string;
  name: string;
  status: string;
  statusReason: string | null;
  phoneNumber: string | null;
  active: boolean;
  userId: string;
  linkedAt: string | null;
  createdAt: string;
  qr?: { value: string; image: string } | null;
}

/** A device as stored (owner connection, RLS bypassed). */
export interface DeviceRow {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  server_id: string;
  session_name: string;
  status: string;
  status_reason: string | null;
  status_changed_at: Date;
  status_event_at: Date | null;
  phone_number: string | null;
  qr_value: string | null;
  webhook_key_enc: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/**
 * The real app pointed at WAHA. Each app gets its own Redis prefix, so its BullMQ queues, delayed watchdog
 * jobs and periodic-task locks are never shared with an app of another suite running in parallel (that app
 * knows other WAHA servers and other timeouts).
 */
export function startWahaApp(env: Record<string, string>): Promise<TestApp> {
  return startTestApp({ REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`, ...env });
}

/**
 * Closes an app once its queues are idle (or after 10 s), so that webhook events and syncs a test triggered last
 * do not land in the next test's app and database state.
 */
export async function closeWahaApp(t: TestApp | undefined): Promise<void> {
  if (!t) return;
  const queues = Object.values(QueueName).map(
    (name) =>
      new Queue(name, {
        connection: bullConnection(t.config.redis.url),
        prefix: `${t.config.redis.keyPrefix}bull`,
      }),
  );
  try {
    await eventually(async () => {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('active', 'waiting', 'prioritized')));
      return counts.every((c) => (c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0) === 0);
    }, 10_000).catch(() => undefined);
  } finally {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
  }
  await t.close();
}

export function wahaEnv(
  emulator: RunningEmulator,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { WAHA_URL: emulator.url, WAHA_API_KEY: EMULATOR_KEY, ...extra };
}

export async function deviceRow(id: string): Promise<DeviceRow | undefined> {
  const [row] = await ownerQuery<DeviceRow>(`SELECT * FROM devices WHERE id = $1`, [id]);
  return row;
}

/** The HMAC key WAHA signs this device's webhooks with, opened the way the app opens it. */
export async function webhookKeyOf(deviceId: string): Promise<string> {
  const row = await deviceRow(deviceId);
  if (!row) throw new Error(`device ${deviceId} not found`);
  return new SecretBox(process.env.AUTH_KEY_SECRET!, 'webhook-keys').open(row.webhook_key_enc);
}

export async function createDevice(t: TestApp, token: string, name: string): Promise<DeviceBody> {
  const res = await t.http().post('/whatsapp/devices').set(bearer(token)).send({ name });
  if (res.status !== 201) throw new Error(`create device failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as DeviceBody;
}

/** Polls GET /whatsapp/devices/:id until `status`. */
export function waitForStatus(
  t: TestApp,
  token: string,
  id: string,
  status: string,
  timeoutMs = 5000,
): Promise<DeviceBody> {
  return eventually(async () => {
    const res = await t.http().get(`/whatsapp/devices/${id}`).set(bearer(token));
    return res.status === 200 && res.body.status === status ? (res.body as DeviceBody) : null;
  }, timeoutMs);
}

/** Creates a device, scans its first QR on `emulator` with `phone` and waits until it is WORKING. */
export async function linkDeviceByQr(
  t: TestApp,
  token: string,
  emulator: RunningEmulator,
  name: string,
  phone: string,
): Promise<DeviceBody> {
  const created = await createDevice(t, token, name);
  if (!created.qr) throw new Error(`device ${name} was created without a QR (status ${created.status})`);
  const scan = await emulatorCall(emulator, 'POST', '/emulator/scan', {
    qr: created.qr.value,
    phoneNumber: phone,
  });
  if (scan.status !== 200) throw new Error(`scan failed: ${scan.status} ${JSON.stringify(scan.body)}`);
  return waitForStatus(t, token, created.id, 'WORKING');
}

/** Every session of the emulator, STOPPED ones included. */
export async function emulatorSessions(emulator: RunningEmulator): Promise<SessionInfo[]> {
  const res = await emulatorCall<SessionInfo[]>(emulator, 'GET', '/api/sessions?all=true');
  if (res.status !== 200) throw new Error(`list sessions failed: ${res.status}`);
  return res.body;
}

/** The emulator session whose config names `deviceId` in its metadata. */
export function sessionOfDevice(sessions: SessionInfo[], deviceId: string): SessionInfo | undefined {
  return sessions.find((s) => s.config?.metadata?.deviceId === deviceId);
}

/** The emulator's current raw QR of a session, or null when it shows none. */
export async function emulatorQr(emulator: RunningEmulator, session: string): Promise<string | null> {
  const res = await emulatorCall<{ value: string }>(
    emulator,
    'GET',
    `/api/${encodeURIComponent(session)}/auth/qr?format=raw`,
  );
  return res.status === 200 ? res.body.value : null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
