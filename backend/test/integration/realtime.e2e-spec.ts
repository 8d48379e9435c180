import Redis from 'ioredis';
import { io, Socket } from 'socket.io-client';
import type { RunningEmulator } from 'waha-emulator';
import { loadConfig } from '../../src/config/app-config';
import { RealtimeService } from '../../src/modules/realtime/realtime.service';
import { freePort, startTestApp, TestApp } from '../utils/app';
import { linkDevice } from '../utils/devices';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { RedisServer, sleep } from '../utils/messaging';
import { EMULATOR_KEY, eventually, startTestEmulator } from '../utils/waha';

interface Received {
  event: string;
  payload: Record<string, unknown>;
}

function connect(url: string, token: string | undefined): Promise<{ socket: Socket; received: Received[] }> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      reconnection: false,
    });
    const received: Received[] = [];
    socket.onAny((event: string, payload: Record<string, unknown>) => received.push({ event, payload }));
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Send → WAHA → three acks → webhooks → status updates is a chain of queue hops; a loaded CI machine is slow. */
const LIVE_WAIT_MS = 15_000;

describe('Live updates over Socket.IO', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let a: TenantFixture;
  let b: TenantFixture;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    t = await startTestApp({
      WAHA_URL: emulator.url,
      WAHA_API_KEY: EMULATOR_KEY,
      MESSAGE_RATE_PER_DEVICE_PER_MINUTE: '60000',
      MESSAGE_JITTER_MS: '0',
    });
    a = await createTenant(t);
    b = await createTenant(t);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
    await emulator?.close();
  });

  it('refuses a handshake without a valid token', async () => {
    await expect(connect(t.url, undefined)).rejects.toThrow('unauthorized');
    await expect(connect(t.url, 'not-a-jwt')).rejects.toThrow('unauthorized');
    const forged = `${a.users.editor.token.slice(0, -4)}AAAA`;
    await expect(connect(t.url, forged)).rejects.toThrow('unauthorized');
  });

  it('pushes QR, device status and message events to the tenant, and nothing to another tenant', async () => {
    const editor = await connect(t.url, a.users.editor.token);
    const viewer = await connect(t.url, a.users.viewer.token);
    const outsider = await connect(t.url, b.users.admin.token);
    sockets.push(editor.socket, viewer.socket, outsider.socket);

    const device = await linkDevice(t, emulator, a.users.editor.token, '4915100000301');
    await eventually(
      async () => editor.received.some((r) => r.event === 'device.qr' && r.payload.deviceId === device.id),
      LIVE_WAIT_MS,
    );
    await eventually(
      async () =>
        viewer.received.some(
          (r) =>
            r.event === 'device.status' && r.payload.deviceId === device.id && r.payload.status === 'WORKING',
        ),
      LIVE_WAIT_MS,
    );
    // QR codes go to the device's owner only.
    expect(viewer.received.some((r) => r.event === 'device.qr')).toBe(false);

    const sent = await t
      .http()
      .post('/whatsapp/send')
      .set(bearer(a.users.editor.token))
      .send({ to: '+4915123450000', text: 'live' });
    expect(sent.status).toBe(202);
    await eventually(
      async () =>
        viewer.received.some(
          (r) =>
            r.event === 'message.updated' && r.payload.id === sent.body.id && r.payload.status === 'read',
        ),
      LIVE_WAIT_MS,
    );
    expect(editor.received.some((r) => r.event === 'message.created' && r.payload.id === sent.body.id)).toBe(
      true,
    );

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outsider.received).toEqual([]);
  }, 60_000);
});

// SECURITY.md §6 R3 for live updates: the Socket.IO Redis adapter neither awaits nor catches its PUBLISH calls.
describe('Live updates while Redis hangs', () => {
  let redis: RedisServer;
  let realtime: RealtimeService;
  let listener: Redis;
  const published: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const config = loadConfig({ ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'hang:' });
    realtime = new RealtimeService(config);
    listener = new Redis(redis.url);
    await listener.psubscribe('hang:socket.io*');
    listener.on('pmessage', (_pattern, _channel, message: Buffer | string) =>
      published.push(String(message)),
    );
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    redis?.resume();
    listener?.disconnect();
    await redis?.kill();
  });

  it('drops updates without unhandled rejections while Redis hangs, publishes again after, and shuts down fast', async () => {
    // A worker-style emit (no HTTP server): every emit is a PUBLISH for the API instances.
    await eventually(async () => {
      await realtime.emit('tenant:hang', 'device.updated', { n: 0 });
      return published.length > 0;
    });

    redis.pause();
    for (let n = 1; n <= 3; n++) await realtime.emit('tenant:hang', 'device.updated', { n });
    await sleep(1500); // past the publish timeout: each PUBLISH has failed by now
    expect(unhandled).toEqual([]);

    redis.resume();
    const before = published.length;
    await eventually(async () => {
      await realtime.emit('tenant:hang', 'device.updated', { n: 4 });
      return published.length > before;
    });

    redis.pause();
    const started = Date.now();
    await realtime.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(4000);
    redis.resume();
    expect(unhandled).toEqual([]);
  }, 30_000);
});
