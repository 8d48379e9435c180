import { createHash } from 'node:crypto';
import { webhookHmac } from '../src';
import { API_KEY, Client, emulator, type TestEmulator } from './helpers';

describe('authentication', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await emulator();
  });
  afterAll(() => emu.close());

  it('leaves /ping open', async () => {
    const res = await emu.anonymous.get('/ping');
    expect(res.statusCode).toBe(200);
    expect(res.data).toEqual({ message: 'pong' });
  });

  it.each(['/api/sessions', '/api/server/version', '/health', '/emulator/sent', '/api/does-not-exist'])(
    'answers 401 without a key on %s',
    async (url) => {
      const res = await emu.anonymous.get(url);
      expect(res.statusCode).toBe(401);
      expect(res.data).toEqual({ statusCode: 401, message: 'Unauthorized' });
    },
  );

  it('rejects a wrong key and accepts the right one in the X-Api-Key header', async () => {
    expect((await emu.anonymous.get('/api/sessions', { 'x-api-key': 'nope' })).statusCode).toBe(401);
    expect((await emu.anonymous.get('/api/sessions', { 'X-Api-Key': API_KEY })).statusCode).toBe(200);
  });

  it('accepts the key as ?x-api-key= query parameter', async () => {
    expect((await emu.anonymous.get(`/api/sessions?x-api-key=${API_KEY}`)).statusCode).toBe(200);
    expect((await emu.anonymous.get('/api/sessions?x-api-key=wrong')).statusCode).toBe(401);
  });

  it('cannot be bypassed through letter case or URL encoding', async () => {
    expect((await emu.anonymous.get('/API/Sessions')).statusCode).toBe(401);
    expect((await emu.anonymous.get('/%61pi/sessions')).statusCode).toBe(401);
    expect((await emu.client.get('/API/Sessions')).statusCode).toBe(200);
  });

  it('answers unknown routes with a Nest-style 404 once authenticated', async () => {
    const res = await emu.client.get('/api/does-not-exist');
    expect(res.statusCode).toBe(404);
    expect(res.data).toEqual({
      message: 'Cannot GET /api/does-not-exist',
      error: 'Not Found',
      statusCode: 404,
    });
  });

  it('supports the sha512:<hex> key form', async () => {
    const hashed = `sha512:${createHash('sha512').update('plain-secret').digest('hex')}`;
    const other = await emulator({ apiKey: hashed });
    try {
      expect((await new Client(other.running.url, 'plain-secret').get('/api/sessions')).statusCode).toBe(200);
      expect((await new Client(other.running.url, hashed).get('/api/sessions')).statusCode).toBe(401);
      expect((await other.anonymous.get('/api/sessions')).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('is disabled without a key', async () => {
    const open = await emulator({ apiKey: null });
    try {
      expect((await open.anonymous.get('/api/sessions')).statusCode).toBe(200);
      expect((await open.anonymous.get('/emulator/sent')).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('server endpoints', () => {
  it('reports version, status and health (PLUS)', async () => {
    const emu = await emulator();
    try {
      const expected = { version: '2025.11.3', engine: 'GOWS', tier: 'PLUS', browser: null };
      expect((await emu.client.get('/api/server/version')).data).toEqual(expected);
      expect((await emu.client.get('/api/version')).data).toEqual(expected);
      expect((await emu.client.get('/api/server/status')).data).toEqual({
        startTimestamp: expect.any(Number),
        uptime: expect.any(Number),
        worker: { id: '' },
      });
      const health = await emu.client.get('/health');
      expect(health.statusCode).toBe(200);
      expect(health.data).toMatchObject({ status: 'ok' });
    } finally {
      await emu.close();
    }
  });

  it('answers /health with the Plus-only 422 in CORE', async () => {
    const emu = await emulator({ tier: 'CORE' });
    try {
      const res = await emu.client.get('/health');
      expect(res.statusCode).toBe(422);
      expect(res.data).toEqual({
        message:
          "The feature is available only in Plus version for 'GOWS' engine. Check this out: https://waha.devlike.pro/",
        error: 'Unprocessable Entity',
        statusCode: 422,
      });
      expect((await emu.client.get('/api/server/version')).data).toMatchObject({ tier: 'CORE' });
    } finally {
      await emu.close();
    }
  });
});

describe('webhook HMAC', () => {
  it('reproduces the WAHA documentation vector', () => {
    const body = '{"event":"message","session":"default","engine":"WEBJS"}';
    const hmac = webhookHmac('my-secret-key', body);
    expect(hmac).toMatch(/^[0-9a-f]{128}$/);
    expect(hmac.startsWith('208f8a55')).toBe(true);
    expect(hmac.endsWith('6153fa89')).toBe(true);
  });
});
