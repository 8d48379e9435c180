import { createHmac } from 'node:crypto';
import { emulator, Receiver, sleep, type TestEmulator } from './helpers';

const ME = '4915160000001';

describe('webhook delivery', () => {
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
    hooks.received.length = 0;
    hooks.status = () => 200;
  });

  it('sends the WAHA envelope with signed, exact body bytes and custom headers', async () => {
    await emu.client.pairedSession('w', ME, {
      metadata: { tenant: 't-1' },
      webhooks: [
        {
          url: hooks.url,
          events: ['message'],
          hmac: { key: 'hook-secret' },
          customHeaders: [{ name: 'X-Tenant', value: 't-1' }],
        },
      ],
    });
    await emu.client.post('/emulator/inbound', { to: ME, from: '4915160009999', text: 'signed' });
    const [received] = await hooks.waitFor((all) => all.length === 1);

    const expected = createHmac('sha512', 'hook-secret').update(received.raw).digest('hex');
    expect(received.headers['x-webhook-hmac']).toBe(expected);
    expect(received.headers['x-webhook-hmac-algorithm']).toBe('sha512');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['user-agent']).toBe('WAHA/2025.11.3');
    expect(received.headers['x-tenant']).toBe('t-1');
    expect(received.headers['x-webhook-request-id']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Number(received.headers['x-webhook-timestamp'])).toBeGreaterThan(Date.now() - 10_000);

    expect(received.body).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-hjkmnp-tv-z]{26}$/),
      timestamp: expect.any(Number),
      event: 'message',
      session: 'w',
      metadata: { tenant: 't-1' },
      me: expect.objectContaining({ id: `${ME}@c.us`, pushName: expect.any(String) }),
      payload: expect.objectContaining({ body: 'signed', fromMe: false }),
      engine: 'GOWS',
      environment: { version: '2025.11.3', engine: 'GOWS', tier: 'PLUS', browser: null },
    });
    // The signature is over the exact bytes sent.
    expect(received.raw.toString('utf8')).toBe(JSON.stringify(received.body));
  });

  it('omits HMAC headers without a key and filters by subscribed events', async () => {
    await emu.client.pairedSession('w', ME, { webhooks: [{ url: hooks.url, events: ['message.any'] }] });
    await emu.client.post('/emulator/inbound', { to: ME, from: '4915160009999', text: 'plain' });
    const [received] = await hooks.waitFor((all) => all.length === 1);
    await sleep(30);
    expect(hooks.received).toHaveLength(1);
    expect(received.body.event).toBe('message.any');
    expect(received.headers).not.toHaveProperty('x-webhook-hmac');
  });

  it('retries non-2xx answers with the same request id (delaySeconds: 0 = immediate)', async () => {
    hooks.status = (_index, received) => (hooks.attemptsOf(received).length <= 2 ? 500 : 200);
    await emu.client.post('/api/sessions', {
      name: 'r',
      start: true,
      config: {
        webhooks: [{ url: hooks.url, events: ['session.status'], retries: { attempts: 5, delaySeconds: 0 } }],
      },
    });
    await hooks.waitFor((all) => all.length > 0 && hooks.attemptsOf(all[0]).length === 3);
    await sleep(30);
    const attempts = hooks.attemptsOf(hooks.received[0]);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((r) => r.body.payload.status)).toEqual(['STARTING', 'STARTING', 'STARTING']);
    expect(new Set(attempts.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(attempts.map((r) => r.raw.toString())).size).toBe(1);
  });

  it('retries 4xx too and gives up after `attempts` retries', async () => {
    hooks.status = () => 404;
    await emu.client.post('/api/sessions', {
      name: 'r',
      config: {
        webhooks: [{ url: hooks.url, events: ['session.status'], retries: { attempts: 2, delaySeconds: 0 } }],
      },
    });
    await emu.client.post('/api/sessions/r/start');
    await sleep(5);
    await emu.client.post('/api/sessions/r/stop');
    await hooks.waitFor((all) => all.length >= 6);
    await sleep(50);
    // 2 events (STARTING, STOPPED) × (1 attempt + 2 retries).
    expect(hooks.received).toHaveLength(6);
  });

  it('applies the linear policy delays', async () => {
    hooks.status = (_index, received) => (hooks.attemptsOf(received).length <= 2 ? 503 : 200);
    await emu.client.post('/api/sessions', {
      name: 'r',
      start: true,
      config: {
        webhooks: [
          {
            url: hooks.url,
            events: ['session.status'],
            retries: { attempts: 3, delaySeconds: 0.05, policy: 'linear' },
          },
        ],
      },
    });
    await hooks.waitFor((all) => all.length >= 3 && hooks.attemptsOf(all[0]).length === 3);
    const [first, second, third] = hooks.attemptsOf(hooks.received[0]).map((r) => r.at);
    // Retry n waits n × delay: 50 ms, then 100 ms.
    expect(second - first).toBeGreaterThanOrEqual(45);
    expect(third - second).toBeGreaterThanOrEqual(95);
  });

  it('retries network errors until the receiver comes up', async () => {
    const probe = new Receiver();
    const url = await probe.start();
    const port = Number(new URL(url).port);
    await probe.close();
    await emu.client.post('/api/sessions', {
      name: 'n',
      config: {
        webhooks: [{ url, events: ['session.status'], retries: { attempts: 10, delaySeconds: 0.03 } }],
      },
    });
    await emu.client.post('/api/sessions/n/start');
    await sleep(40);
    const late = new Receiver();
    await late.start(port);
    try {
      await late.waitFor((all) => all.some((r) => r.body.payload.status === 'STARTING'));
    } finally {
      await late.close();
    }
  });

  it('delivers to the global env webhook next to the session hooks', async () => {
    const global = new Receiver();
    await global.start();
    const other = await emulator({ globalWebhook: { url: global.url, events: ['session.status'] } });
    try {
      await other.client.post('/api/sessions', {
        name: 'both',
        start: true,
        config: { webhooks: [{ url: hooks.url, events: ['*'] }] },
      });
      await global.waitFor((all) => all.length >= 2);
      await hooks.waitFor((all) => all.length >= 2);
      expect(global.events().map((r) => r.body.payload.status)).toEqual(['STARTING', 'SCAN_QR_CODE']);
    } finally {
      await other.close();
      await global.close();
    }
  });

  it('drops deliveries on the webhooks.dropNext fault, fails attempts on webhooks.failNext', async () => {
    await emu.client.post('/emulator/faults', { webhooks: { dropNext: 1 } });
    await emu.client.post('/api/sessions', {
      name: 'd',
      start: true,
      config: {
        webhooks: [{ url: hooks.url, events: ['session.status'], retries: { attempts: 3, delaySeconds: 0 } }],
      },
    });
    await hooks.waitFor((all) => all.length >= 1);
    await sleep(30);
    expect(hooks.events().map((r) => r.body.payload.status)).toEqual(['SCAN_QR_CODE']);

    hooks.received.length = 0;
    await emu.client.post('/emulator/faults', { webhooks: { failNext: 2 } });
    await emu.client.post('/api/sessions/d/stop');
    await hooks.waitFor((all) => all.length >= 1);
    await sleep(30);
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0].body.payload.status).toBe('STOPPED');
  });
});
