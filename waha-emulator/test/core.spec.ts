import { emulator, Receiver, sleep, type TestEmulator } from './helpers';

const onlyDefault = (name: string): Record<string, unknown> => ({
  message:
    `WAHA Core support only 'default' session. You tried to access '${name}' session ` +
    `(base64: ${Buffer.from(name).toString('base64')}). If you want to run more then one WhatsApp account - ` +
    'please get WAHA PLUS version. Check this out: https://waha.devlike.pro/',
  error: 'Unprocessable Entity',
  statusCode: 422,
});

describe('CORE tier', () => {
  let emu: TestEmulator;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = new Receiver();
    await hooks.start();
    emu = await emulator({ tier: 'CORE' });
  });
  afterAll(async () => {
    await emu.close();
    await hooks.close();
  });
  afterEach(async () => {
    await emu.client.post('/emulator/reset');
  });

  it('boots with `default` existing but STOPPED', async () => {
    expect((await emu.client.get('/api/sessions')).data).toEqual([]);
    expect((await emu.client.get('/api/sessions?all=true')).data).toEqual([
      {
        name: 'default',
        status: 'STOPPED',
        config: null,
        me: null,
        presence: null,
        timestamps: { activity: null },
      },
    ]);
    const create = await emu.client.post('/api/sessions', { name: 'default' });
    expect(create.statusCode).toBe(422);
    expect((create.data as { message: string }).message).toBe(
      "Session 'default' already exists. Use PUT to update it.",
    );
    expect((await emu.client.delete('/api/sessions/default')).statusCode).toBe(200);
    expect((await emu.client.get('/api/sessions?all=true')).data).toEqual([]);
    expect((await emu.client.post('/api/sessions', { name: 'default' })).statusCode).toBe(201);
  });

  it('rejects any other session name everywhere with WAHA’s Core message', async () => {
    const checks: Array<Promise<{ statusCode: number; data: unknown }>> = [
      emu.client.post('/api/sessions', { name: 'sales' }),
      emu.client.post('/api/sessions', {}),
      emu.client.get('/api/sessions/sales'),
      emu.client.post('/api/sessions/sales/start'),
      emu.client.delete('/api/sessions/sales'),
      emu.client.get('/api/sales/auth/qr'),
      emu.client.post('/api/sendText', { session: 'sales', chatId: '4915100000001', text: 'x' }),
      emu.client.get('/api/contacts/all?session=sales'),
    ];
    for (const res of await Promise.all(checks)) {
      expect(res.statusCode).toBe(422);
      expect((res.data as { message: string }).message).toMatch(/^WAHA Core support only 'default' session/);
    }
    expect((await emu.client.get('/api/sessions/sales')).data).toEqual(onlyDefault('sales'));
  });

  it('answers 422 "already started" when starting a running session', async () => {
    await emu.client.put('/api/sessions/default', { config: {} });
    expect((await emu.client.post('/api/sessions/default/start')).statusCode).toBe(201);
    const again = await emu.client.post('/api/sessions/default/start');
    expect(again.statusCode).toBe(422);
    expect(again.data).toEqual({
      message: "Session 'default' is already started.",
      error: 'Unprocessable Entity',
      statusCode: 422,
    });
    expect((await emu.client.post('/api/sessions/default/restart')).statusCode).toBe(201);
  });

  it('refuses media sends with the Plus-only 422', async () => {
    await emu.client.post('/api/sessions/default/start');
    const qr = await emu.client.waitQr('default');
    await emu.client.post('/emulator/scan', { qr, phoneNumber: '4915170000001' });
    const res = await emu.client.post('/api/sendImage', {
      session: 'default',
      chatId: '4915100000001@c.us',
      file: { url: 'https://example.com/a.png' },
    });
    expect(res.statusCode).toBe(422);
    expect((res.data as { message: string }).message).toBe(
      "The feature is available only in Plus version for 'GOWS' engine. Check this out: https://waha.devlike.pro/",
    );
  });

  it('forgets config on a container restart but keeps the device pairing', async () => {
    const config = { webhooks: [{ url: hooks.url, events: ['session.status'] }], metadata: { k: 'v' } };
    await emu.client.put('/api/sessions/default', { config });
    await emu.client.post('/api/sessions/default/start');
    const qr = await emu.client.waitQr('default');
    await emu.client.post('/emulator/scan', { qr, phoneNumber: '4915170000002' });

    const restart = await emu.client.post('/emulator/restart');
    expect(restart.data).toEqual({
      sessions: [
        {
          name: 'default',
          status: 'STOPPED',
          config: null,
          me: null,
          presence: null,
          timestamps: { activity: null },
        },
      ],
    });
    hooks.received.length = 0;
    await emu.client.post('/api/sessions/default/start');
    await sleep(50);
    expect((await emu.client.get('/api/sessions/default')).data).toMatchObject({
      status: 'WORKING',
      config: null,
      me: { id: '4915170000002@c.us' },
    });
    // The webhooks went away with the config.
    expect(hooks.events('session.status', 'default')).toHaveLength(0);
  });
});

describe('PLUS container restart', () => {
  it('keeps config and brings previously running sessions back (paired → WORKING)', async () => {
    const hooks = new Receiver();
    await hooks.start();
    const emu = await emulator();
    try {
      const config = { webhooks: [{ url: hooks.url, events: ['session.status'] }] };
      await emu.client.pairedSession('p1', '4915170000003', config);
      await emu.client.post('/api/sessions', { name: 'p2', config });
      hooks.received.length = 0;
      const restart = await emu.client.post('/emulator/restart');
      expect((restart.data as { sessions: Array<{ name: string; status: string }> }).sessions).toEqual([
        expect.objectContaining({ name: 'p1', status: 'STARTING', config }),
        expect.objectContaining({ name: 'p2', status: 'STOPPED', config }),
      ]);
      await hooks.waitFor(() => hooks.events('session.status', 'p1').length >= 2);
      expect(hooks.events('session.status', 'p1').map((r) => r.body.payload.status)).toEqual([
        'STARTING',
        'WORKING',
      ]);
    } finally {
      await emu.close();
      await hooks.close();
    }
  });
});
