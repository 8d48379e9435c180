import { emulator, type TestEmulator } from './helpers';

describe('fault injection', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await emulator();
  });
  afterAll(() => emu.close());
  afterEach(async () => {
    await emu.client.delete('/emulator/faults');
    await emu.client.post('/emulator/reset');
  });

  it('fails the next n sendText calls with a WAHA-like 500, then recovers', async () => {
    await emu.client.pairedSession('f', '4915150000001');
    const set = await emu.client.post('/emulator/faults', { sendText: { failNext: 2 } });
    expect(set.statusCode).toBe(200);
    expect(set.data).toMatchObject({ sendText: { failNext: 2, status: 500, hangNext: 0, latencyMs: 0 } });
    const body = { session: 'f', chatId: '4915150009999', text: 'x' };
    for (let i = 0; i < 2; i++) {
      const res = await emu.client.post('/api/sendText', body);
      expect(res.statusCode).toBe(500);
      expect(res.data).toEqual({
        statusCode: 500,
        timestamp: expect.any(String),
        exception: { message: expect.any(String), name: 'Error' },
      });
    }
    expect((await emu.client.post('/api/sendText', body)).statusCode).toBe(201);
    expect((await emu.client.get('/emulator/sent')).data).toHaveLength(1);
  });

  it('uses the configured status with a Nest-style body below 500', async () => {
    await emu.client.post('/emulator/faults', { sessions: { failNext: 1, status: 429 } });
    const res = await emu.client.get('/api/sessions');
    expect(res.statusCode).toBe(429);
    expect(res.data).toEqual({ message: expect.any(String), error: 'Too Many Requests', statusCode: 429 });
    expect((await emu.client.get('/api/sessions')).statusCode).toBe(200);
  });

  it('`all` applies to every WAHA route but not to the control API', async () => {
    await emu.client.post('/emulator/faults', { all: { failNext: 1, status: 503 } });
    expect((await emu.client.get('/emulator/faults')).statusCode).toBe(200);
    expect((await emu.client.get('/api/server/version')).statusCode).toBe(503);
    expect((await emu.client.get('/api/server/version')).statusCode).toBe(200);
  });

  it('hangs the next request until the client gives up', async () => {
    await emu.client.post('/emulator/faults', { qr: { hangNext: 1 } });
    await emu.client.post('/api/sessions', { name: 'h', start: true });
    const started = Date.now();
    await expect(
      emu.client.call('GET', '/api/h/auth/qr?format=raw', undefined, {}, AbortSignal.timeout(200)),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // The next request is answered normally.
    await emu.client.waitQr('h');
  });

  it('delays answers with latencyMs', async () => {
    await emu.client.post('/emulator/faults', { server: { latencyMs: 120 } });
    const started = Date.now();
    expect((await emu.client.get('/api/server/version')).statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('validates fault specs and clears them with DELETE', async () => {
    const bad = await emu.client.post('/emulator/faults', { sendText: { failNext: -1 }, nope: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.data).toMatchObject({
      statusCode: 400,
      message: ['sendText.failNext must be a non-negative integer', "unknown fault target 'nope'"],
    });
    await emu.client.post('/emulator/faults', { directory: { failNext: 5 }, acks: { reverse: true } });
    const cleared = await emu.client.delete('/emulator/faults');
    expect(cleared.data).toEqual({
      webhooks: { dropNext: 0, failNext: 0, latencyMs: 0 },
      acks: { reverse: false, disabled: false },
    });
  });

  it('fails a session on demand (FAILED) and answers 404 for unknown ones', async () => {
    await emu.client.pairedSession('x', '4915150000002');
    const res = await emu.client.post('/emulator/sessions/x/fail');
    expect(res.statusCode).toBe(200);
    expect(res.data).toMatchObject({ name: 'x', status: 'FAILED', me: null });
    expect((await emu.client.post('/emulator/sessions/none/fail')).statusCode).toBe(404);
  });
});

describe('closing', () => {
  it('closes promptly with a hung request and pending timers', async () => {
    const emu = await emulator({ qrFirstMs: 60_000 });
    await emu.client.post('/api/sessions', { name: 'c', start: true });
    await emu.client.post('/emulator/faults', { sessions: { hangNext: 1 } });
    const hung = emu.client.get('/api/sessions');
    hung.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(hung).rejects.toThrow();
  });
});

describe('runtime config', () => {
  it('changes options at runtime and restores them on reset', async () => {
    const emu = await emulator();
    try {
      const res = await emu.client.post('/emulator/config', { contacts: 7, groups: 1, ackDelayMs: 5 });
      expect(res.data).toMatchObject({ contacts: 7, groups: 1, ackDelayMs: 5, tier: 'PLUS', auth: true });
      expect(res.data).not.toHaveProperty('apiKey');
      await emu.client.pairedSession('cfg', '4915150000003');
      expect((await emu.client.get('/api/contacts/all?session=cfg')).data).toHaveLength(7);
      expect((await emu.client.post('/emulator/config', { qrMax: 0 })).statusCode).toBe(400);
      await emu.client.post('/emulator/reset');
      expect((await emu.client.get('/emulator/config')).data).toMatchObject({ contacts: 25, groups: 3 });
      expect((await emu.client.get('/api/sessions?all=true')).data).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
