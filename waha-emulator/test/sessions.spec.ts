import { emulator, Receiver, sleep, type TestEmulator } from './helpers';

type Info = Record<string, unknown> & { status: string; name: string };

describe('sessions API (PLUS)', () => {
  let emu: TestEmulator;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = new Receiver();
    await hooks.start();
    emu = await emulator();
  });
  afterAll(async () => {
    await emu.close();
    await hooks.close();
  });
  afterEach(async () => {
    await emu.client.post('/emulator/reset');
  });

  it('creates a session (201) without starting it when `start` is missing', async () => {
    const res = await emu.client.post('/api/sessions', { name: 'alpha', engine: 'WEBJS', unknown: true });
    expect(res.statusCode).toBe(201);
    expect(res.data).toEqual({
      name: 'alpha',
      status: 'STOPPED',
      config: null,
      me: null,
      presence: null,
      timestamps: { activity: null },
      engine: { engine: 'GOWS' },
    });
  });

  it('generates session_<ulid> when the name is missing', async () => {
    const res = await emu.client.post('/api/sessions', {});
    expect((res.data as Info).name).toMatch(/^session_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('rejects an existing name with WAHA’s 422 text', async () => {
    await emu.client.post('/api/sessions', { name: 'dup' });
    const res = await emu.client.post('/api/sessions', { name: 'dup' });
    expect(res.statusCode).toBe(422);
    expect(res.data).toEqual({
      message: "Session 'dup' already exists. Use PUT to update it.",
      error: 'Unprocessable Entity',
      statusCode: 422,
    });
  });

  it('validates bodies with class-validator style 400s', async () => {
    const res = await emu.client.post('/api/sessions', {
      name: 'bad name!',
      start: 'yes',
      config: { webhooks: [{ url: 'ftp://x', events: 'message' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: [
        'Session name can only contain alphanumeric characters, hyphens, and underscores (a-z, A-Z, 0-9, -, _) or be empty',
        'start must be a boolean value',
        'config.webhooks.0.url must be a URL address',
        'config.webhooks.0.events must be an array',
      ],
    });
    const long = await emu.client.post('/api/sessions', { name: 'x'.repeat(55) });
    expect(long.statusCode).toBe(400);
    expect((await emu.client.post('/api/sessions', { name: 'x'.repeat(54) })).statusCode).toBe(201);
  });

  it('drops unknown config fields silently', async () => {
    const res = await emu.client.post('/api/sessions', {
      name: 'clean',
      config: {
        metadata: { tenant: 't1' },
        webhooks: [{ url: hooks.url, events: ['*'], bogus: 1 }],
        bogus: 2,
      },
    });
    expect((res.data as Info).config).toEqual({
      metadata: { tenant: 't1' },
      webhooks: [{ url: hooks.url, events: ['*'] }],
    });
  });

  it('answers 404 "Session not found" for missing sessions', async () => {
    const body = { message: 'Session not found', error: 'Not Found', statusCode: 404 };
    for (const [method, url] of [
      ['GET', '/api/sessions/ghost'],
      ['PUT', '/api/sessions/ghost'],
      ['POST', '/api/sessions/ghost/start'],
      ['POST', '/api/sessions/ghost/restart'],
      ['POST', '/api/sessions/ghost/logout'],
    ] as const) {
      const res = await emu.client.call(method, url, method === 'GET' ? undefined : {});
      expect(res.statusCode).toBe(404);
      expect(res.data).toEqual(body);
    }
  });

  it('DELETE answers 200 with an empty body and is idempotent', async () => {
    await emu.client.post('/api/sessions', { name: 'gone' });
    for (let i = 0; i < 2; i++) {
      const res = await emu.client.delete('/api/sessions/gone');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
    }
    expect((await emu.client.get('/api/sessions/gone')).statusCode).toBe(404);
  });

  it('lists running sessions, and STOPPED ones only with all=true', async () => {
    await emu.client.post('/api/sessions', { name: 'idle' });
    await emu.client.post('/api/sessions', { name: 'busy', start: true });
    expect(((await emu.client.get('/api/sessions')).data as Info[]).map((s) => s.name)).toEqual(['busy']);
    const all = (await emu.client.get('/api/sessions?all=true')).data as Info[];
    expect(all.map((s) => [s.name, s.status])).toEqual([
      ['idle', 'STOPPED'],
      ['busy', 'STARTING'],
    ]);
    expect(all[0]).not.toHaveProperty('engine');
  });

  it('runs the lifecycle with session.status webhooks on every transition', async () => {
    hooks.received.length = 0;
    const config = { webhooks: [{ url: hooks.url, events: ['session.status'] }], metadata: { device: 'd1' } };
    const qr = await emu.client.startSession('life', config);
    const scan = await emu.client.post('/emulator/scan', { qr, phoneNumber: '4915111111111' });
    expect(scan.statusCode).toBe(200);
    expect((await emu.client.get('/api/sessions/life')).data).toMatchObject({
      status: 'WORKING',
      me: { id: '4915111111111@c.us', pushName: expect.any(String), lid: expect.stringMatching(/@lid$/) },
    });
    const stop = await emu.client.post('/api/sessions/life/stop');
    expect(stop.statusCode).toBe(201);
    expect((stop.data as Info).status).toBe('STOPPED');
    await hooks.waitFor(() => hooks.events('session.status', 'life').length >= 4);
    const statuses = hooks.events('session.status', 'life').map((r) => r.body.payload.status);
    expect(statuses).toEqual(['STARTING', 'SCAN_QR_CODE', 'WORKING', 'STOPPED']);
    const last = hooks.events('session.status', 'life')[3].body;
    expect(last.metadata).toEqual({ device: 'd1' });
    expect(last.payload).toEqual({
      name: 'life',
      status: 'STOPPED',
      statuses: [
        { status: 'SCAN_QR_CODE', timestamp: expect.any(Number) },
        { status: 'WORKING', timestamp: expect.any(Number) },
        { status: 'STOPPED', timestamp: expect.any(Number) },
      ],
    });
    const working = hooks.events('session.status', 'life')[2].body;
    expect(working.me).toMatchObject({ id: '4915111111111@c.us' });
  });

  it('keeps the pairing across stop/start and restart (STARTING → WORKING directly)', async () => {
    await emu.client.pairedSession('keep', '4915122222222');
    await emu.client.post('/api/sessions/keep/stop');
    const started = await emu.client.post('/api/sessions/keep/start');
    expect((started.data as Info).status).toBe('STARTING');
    await sleep(40);
    expect((await emu.client.get('/api/sessions/keep')).data).toMatchObject({ status: 'WORKING' });
    const restarted = await emu.client.post('/api/sessions/keep/restart');
    expect(restarted.statusCode).toBe(201);
    await sleep(40);
    expect((await emu.client.get('/api/sessions/keep')).data).toMatchObject({
      status: 'WORKING',
      me: { id: '4915122222222@c.us' },
    });
  });

  it('start on a running session is a no-op in PLUS', async () => {
    await emu.client.post('/api/sessions', { name: 'twice', start: true });
    const again = await emu.client.post('/api/sessions/twice/start');
    expect(again.statusCode).toBe(201);
    expect((again.data as Info).status).not.toBe('STOPPED');
  });

  it('logout wipes the pairing and goes back to SCAN_QR_CODE when running', async () => {
    await emu.client.pairedSession('out', '4915133333333');
    const res = await emu.client.post('/api/sessions/out/logout');
    expect(res.statusCode).toBe(201);
    expect(res.data).toMatchObject({ status: 'STARTING', me: null });
    await emu.client.waitQr('out');
    expect((await emu.client.get('/api/sessions/out')).data).toMatchObject({ status: 'SCAN_QR_CODE' });
  });

  it('PUT replaces the config and restarts a running session', async () => {
    await emu.client.pairedSession('cfg', '4915144444444', { metadata: { a: '1' } });
    hooks.received.length = 0;
    const res = await emu.client.put('/api/sessions/cfg', {
      config: { webhooks: [{ url: hooks.url, events: ['session.status'] }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.data).toMatchObject({ status: 'STARTING', config: { webhooks: [{ url: hooks.url }] } });
    expect((res.data as { config: Record<string, unknown> }).config).not.toHaveProperty('metadata');
    await hooks.waitFor(() =>
      hooks.events('session.status', 'cfg').some((r) => r.body.payload.status === 'WORKING'),
    );
    const stopped = await emu.client.put('/api/sessions/cfg', {});
    expect(stopped.data).toMatchObject({ config: null });
  });

  it('GET /me answers the MeInfo, an empty body before pairing, 404 when not running', async () => {
    await emu.client.post('/api/sessions', { name: 'who' });
    const notRunning = await emu.client.get('/api/sessions/who/me');
    expect(notRunning.statusCode).toBe(404);
    expect(notRunning.data).toEqual({
      message:
        "We didn't find a session with name 'who'.\nPlease start it first by using POST /api/sessions/who/start request",
      error: 'Not Found',
      statusCode: 404,
    });
    await emu.client.post('/api/sessions/who/start');
    const unpaired = await emu.client.get('/api/sessions/who/me');
    expect(unpaired.statusCode).toBe(200);
    expect(unpaired.body).toBe('');
    await emu.client.delete('/api/sessions/who');
    await emu.client.pairedSession('who', '4915155555555');
    const me = await emu.client.get('/api/sessions/who/me');
    expect(me.data).toEqual({
      id: '4915155555555@c.us',
      pushName: expect.any(String),
      lid: expect.stringMatching(/^\d{15}@lid$/),
      jid: expect.stringMatching(/^4915155555555:\d+@s\.whatsapp\.net$/),
    });
  });

  it('stop on a missing session answers 201 with an empty body', async () => {
    const res = await emu.client.post('/api/sessions/ghost/stop');
    expect(res.statusCode).toBe(201);
    expect(res.body).toBe('');
  });
});
