import { io, Socket } from 'socket.io-client';
import type { RunningEmulator } from 'waha-emulator';
import { startTestApp, TestApp } from '../utils/app';
import { linkDevice } from '../utils/devices';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
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
    await eventually(async () =>
      editor.received.some((r) => r.event === 'device.qr' && r.payload.deviceId === device.id),
    );
    await eventually(async () =>
      viewer.received.some(
        (r) =>
          r.event === 'device.status' && r.payload.deviceId === device.id && r.payload.status === 'WORKING',
      ),
    );
    // QR codes go to the device's owner only.
    expect(viewer.received.some((r) => r.event === 'device.qr')).toBe(false);

    const sent = await t
      .http()
      .post('/whatsapp/send')
      .set(bearer(a.users.editor.token))
      .send({ to: '+4915123450000', text: 'live' });
    expect(sent.status).toBe(202);
    await eventually(async () =>
      viewer.received.some(
        (r) => r.event === 'message.updated' && r.payload.id === sent.body.id && r.payload.status === 'read',
      ),
    );
    expect(editor.received.some((r) => r.event === 'message.created' && r.payload.id === sent.body.id)).toBe(
      true,
    );

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outsider.received).toEqual([]);
  });
});
