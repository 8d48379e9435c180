import { emulator, Receiver, sleep, type TestEmulator } from './helpers';

const STATUS_ERROR = 'Session status is not as expected. Try again later or restart the session';

describe('QR pairing', () => {
  let emu: TestEmulator;
  let hooks: Receiver;
  const config = (): unknown => ({ webhooks: [{ url: hooks.url, events: ['session.status'] }] });
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
  });

  it('refuses the QR outside SCAN_QR_CODE with WAHA’s status error (no waiting)', async () => {
    await emu.client.post('/api/sessions', { name: 'q1' });
    const started = Date.now();
    const res = await emu.client.get('/api/q1/auth/qr');
    expect(Date.now() - started).toBeLessThan(500);
    expect(res.statusCode).toBe(422);
    expect(res.data).toEqual({
      error: STATUS_ERROR,
      session: 'q1',
      status: 'STOPPED',
      expected: ['SCAN_QR_CODE'],
    });
    const missing = await emu.client.get('/api/nobody/auth/qr');
    expect(missing.statusCode).toBe(422);
    expect(missing.data).toEqual({ error: 'Session "nobody" does not exist', session: 'nobody' });
  });

  it('serves raw, base64 JSON (exact Accept) and PNG bytes (any other Accept)', async () => {
    // A long-lived QR, so both reads render the same value.
    await emu.client.post('/emulator/config', { qrFirstMs: 60_000 });
    const value = await emu.client.startSession('q2');
    expect(value).toMatch(/^2@[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+$/);

    const json = await emu.client.get('/api/q2/auth/qr?format=image', { accept: 'application/json' });
    expect(json.statusCode).toBe(200);
    const data = json.data as { mimetype: string; data: string };
    expect(data.mimetype).toBe('image/png');
    const png = Buffer.from(data.data, 'base64');
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');

    // axios' default Accept is not an exact match: WAHA answers with the bytes.
    const axiosDefault = await emu.client.get('/api/q2/auth/qr', {
      accept: 'application/json, text/plain, */*',
    });
    expect(axiosDefault.statusCode).toBe(200);
    expect(axiosDefault.headers.get('content-type')).toBe('image/png');
    expect(axiosDefault.raw.equals(png)).toBe(true);
  });

  it('rotates the QR (new value + session.status each time) and fails after qrMax', async () => {
    await emu.client.post('/api/sessions', { name: 'q3', start: true, config: config() });
    const seen = new Set<string>();
    const deadline = Date.now() + 2000;
    let status = '';
    while (Date.now() < deadline && status !== 'FAILED') {
      const qr = await emu.client.get('/api/q3/auth/qr?format=raw');
      if (qr.statusCode === 200) {
        seen.add((qr.data as { value: string }).value);
      }
      status = ((await emu.client.get('/api/sessions/q3')).data as { status: string }).status;
      await sleep(5);
    }
    expect(status).toBe('FAILED');
    expect(seen.size).toBe(3);
    await hooks.waitFor(() => hooks.events('session.status', 'q3').length >= 5);
    expect(hooks.events('session.status', 'q3').map((r) => r.body.payload.status)).toEqual([
      'STARTING',
      'SCAN_QR_CODE',
      'SCAN_QR_CODE',
      'SCAN_QR_CODE',
      'FAILED',
    ]);
  });

  it('starts a fresh QR cycle when a FAILED session is restarted', async () => {
    await emu.client.startSession('q4');
    await emu.client.post('/emulator/sessions/q4/fail');
    expect((await emu.client.get('/api/sessions/q4')).data).toMatchObject({ status: 'FAILED' });
    const restarted = await emu.client.post('/api/sessions/q4/restart');
    expect(restarted.statusCode).toBe(201);
    await emu.client.waitQr('q4');
  });

  it('pairs the session showing the scanned QR (generated phone when absent)', async () => {
    const first = await emu.client.startSession('q5');
    const second = await emu.client.startSession('q6');
    expect(first).not.toBe(second);
    const scan = await emu.client.post('/emulator/scan', { qr: second });
    expect(scan.statusCode).toBe(200);
    const data = scan.data as { session: string; phoneNumber: string; me: { id: string } };
    expect(data.session).toBe('q6');
    expect(data.phoneNumber).toMatch(/^\d{10,15}$/);
    expect(data.me.id).toBe(`${data.phoneNumber}@c.us`);
    expect((await emu.client.get('/api/sessions/q5')).data).toMatchObject({ status: 'SCAN_QR_CODE' });
    const again = await emu.client.post('/emulator/scan', { qr: second });
    expect(again.statusCode).toBe(404);
    const bad = await emu.client.post('/emulator/scan', { qr: first, phoneNumber: 'abc' });
    expect(bad.statusCode).toBe(400);
  });

  it('a QR that rotated away can no longer be scanned', async () => {
    const first = await emu.client.startSession('q7');
    await emu.client.post('/emulator/sessions/q7/qr/expire');
    expect((await emu.client.post('/emulator/scan', { qr: first })).statusCode).toBe(404);
    const current = await emu.client.waitQr('q7');
    expect(current).not.toBe(first);
    expect((await emu.client.post('/emulator/scan', { qr: current })).statusCode).toBe(200);
  });

  it('issues pairing codes only in SCAN_QR_CODE and pairs by code', async () => {
    await emu.client.post('/api/sessions', { name: 'q8' });
    const stopped = await emu.client.post('/api/q8/auth/request-code', { phoneNumber: '4915166666666' });
    expect(stopped.statusCode).toBe(404);
    await emu.client.post('/api/sessions/q8/start');
    await emu.client.waitQr('q8');
    const res = await emu.client.post('/api/q8/auth/request-code', { phoneNumber: '4915166666666' });
    expect(res.statusCode).toBe(201);
    const { code } = res.data as { code: string };
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const scan = await emu.client.post('/emulator/scan', { code });
    expect(scan.data).toMatchObject({ session: 'q8', phoneNumber: '4915166666666' });
    const working = await emu.client.post('/api/q8/auth/request-code', { phoneNumber: '4915166666666' });
    expect(working.statusCode).toBe(422);
    expect(working.data).toEqual({
      message: 'Can request code only in SCAN_QR_CODE status. The current status is WORKING',
      error: 'Unprocessable Entity',
      statusCode: 422,
    });
  });
});
