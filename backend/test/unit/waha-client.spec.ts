import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { RunningEmulator } from 'waha-emulator';
import { WahaClient } from '../../src/modules/whatsapp/waha/waha.client';
import {
  WahaNotFoundException,
  WahaRejectedException,
  WahaServerErrorException,
  WahaSessionStateException,
  WahaUnavailableException,
} from '../../src/modules/whatsapp/waha/waha.errors';
import { freePort } from '../utils/app';
import { EMULATOR_KEY, startTestEmulator } from '../utils/waha';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; body?: unknown } | 'hang';

interface FakeWaha {
  url: string;
  requests: Recorded[];
  close: () => Promise<void>;
}

/** A tiny WAHA stand-in: records every request and answers with `answer(n)` (n = 0-based request number). */
async function fakeWaha(answer: (n: number, req: Recorded) => Answer): Promise<FakeWaha> {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const recorded = { method: req.method!, url: req.url!, headers: req.headers, body };
      requests.push(recorded);
      const a = answer(requests.length - 1, recorded);
      if (a === 'hang') return; // never answered; close() destroys the socket
      const payload = a.body === undefined ? '' : JSON.stringify(a.body);
      res.writeHead(a.status, { 'Content-Type': 'application/json' }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Awaits a call that must fail; returns the error and how long the failure took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('the call succeeded');
}

const STATUS_ERROR = {
  error: 'Session status is not as expected. Try again later or restart the session',
  session: 'default',
  status: 'SCAN_QR_CODE',
  expected: ['WORKING'],
};
const SEND = { session: 'default', chatId: '4915100000001@c.us', text: 'hi' };

describe('WahaClient against the WAHA emulator', () => {
  let emulator: RunningEmulator;
  let client: WahaClient;

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    client = new WahaClient({ url: emulator.url, apiKey: EMULATOR_KEY }, 2000);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('is accepted with the right API key and refused (401 → WahaRejectedException, 502) with a wrong one', async () => {
    await expect(client.version()).resolves.toMatchObject({ version: expect.any(String), tier: 'PLUS' });
    const wrong = new WahaClient({ url: emulator.url, apiKey: 'not-the-key' }, 2000);
    const { error } = await failure(() => wrong.listSessions());
    expect(error).toBeInstanceOf(WahaRejectedException);
    expect((error as WahaRejectedException).wahaStatus).toBe(401);
    expect((error as WahaRejectedException).getStatus()).toBe(502);
    expect(error.message).toMatch(/API key/);
    expect(error.message).not.toContain(EMULATOR_KEY);
  });

  it('404 → WahaNotFoundException (404)', async () => {
    const { error } = await failure(() => client.getSession('no-such-session'));
    expect(error).toBeInstanceOf(WahaNotFoundException);
    expect((error as WahaNotFoundException).getStatus()).toBe(404);
  });

  it("WAHA's 422 status error → WahaSessionStateException (409) with the status and what was expected", async () => {
    await expect(client.createSession('unit', {}, false)).resolves.toMatchObject({
      name: 'unit',
      status: 'STOPPED',
    });
    const send = await failure(() => client.sendText({ ...SEND, session: 'unit' }));
    expect(send.error).toBeInstanceOf(WahaSessionStateException);
    expect(send.error).toMatchObject({ sessionStatus: 'STOPPED', expected: ['WORKING'] });
    expect((send.error as WahaSessionStateException).getStatus()).toBe(409);
    const qr = await failure(() => client.qrValue('unit'));
    expect(qr.error).toMatchObject({ sessionStatus: 'STOPPED', expected: ['SCAN_QR_CODE'] });
  });

  it('a 422 that is not a status error (session exists) → WahaRejectedException with WAHA’s message', async () => {
    const { error } = await failure(() => client.createSession('unit', {}, false));
    expect(error).toBeInstanceOf(WahaRejectedException);
    expect(error).toMatchObject({ wahaStatus: 422 });
    expect(error.message).toMatch(/already exists/);
  });
});

describe('WahaClient against a stand-in server', () => {
  let fake: FakeWaha | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('sends X-Api-Key and Accept: application/json with every call', async () => {
    fake = await fakeWaha(() => ({ status: 201, body: { id: 'true_x' } }));
    const client = new WahaClient({ url: fake.url, apiKey: 'k-123' }, 1000);
    await client.listSessions();
    await client.sendText(SEND);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/sessions?all=true',
      'POST /api/sendText',
    ]);
    for (const r of fake.requests) {
      expect(r.headers['x-api-key']).toBe('k-123');
      expect(r.headers.accept).toBe('application/json');
    }
    expect(JSON.parse(fake.requests[1]!.body)).toMatchObject(SEND);
  });

  it('maps 404, 401, 403 and 422 bodies to the right exceptions, without retrying them', async () => {
    const answers: Answer[] = [
      { status: 404, body: { statusCode: 404, message: 'Session not found' } },
      { status: 401, body: { statusCode: 401, message: 'Unauthorized' } },
      { status: 403, body: { statusCode: 403, message: 'Forbidden' } },
      { status: 422, body: STATUS_ERROR },
      { status: 422, body: { error: "Session 'default' is already started." } },
    ];
    fake = await fakeWaha((n) => answers[n]!);
    const client = new WahaClient({ url: fake.url, apiKey: 'k' }, 1000);
    const notFound = await failure(() => client.getSession('default'));
    expect(notFound.error).toBeInstanceOf(WahaNotFoundException);
    expect(notFound.error.message).toMatch(/Session default/);
    const unauthorized = await failure(() => client.listSessions());
    expect(unauthorized.error).toBeInstanceOf(WahaRejectedException);
    expect(unauthorized.error).toMatchObject({ wahaStatus: 401 });
    const forbidden = await failure(() => client.listSessions());
    expect(forbidden.error).toMatchObject({ wahaStatus: 403 });
    const state = await failure(() => client.qrValue('default'));
    expect(state.error).toBeInstanceOf(WahaSessionStateException);
    expect(state.error).toMatchObject({ sessionStatus: 'SCAN_QR_CODE', expected: ['WORKING'] });
    expect(state.error.message).toMatch(/SCAN_QR_CODE/);
    const other = await failure(() => client.startSession('default'));
    expect(other.error).toBeInstanceOf(WahaRejectedException);
    expect(other.error.message).toMatch(/already started/);
    expect(fake.requests).toHaveLength(answers.length); // one request each: 4xx is final
  });

  it('retries an idempotent GET on 5xx (3 requests in all), then WahaServerErrorException (502)', async () => {
    fake = await fakeWaha(() => ({ status: 500, body: { statusCode: 500, message: 'boom' } }));
    const client = new WahaClient({ url: fake.url, apiKey: 'k' }, 1000);
    const { error } = await failure(() => client.listSessions());
    expect(error).toBeInstanceOf(WahaServerErrorException);
    expect(error).toMatchObject({ wahaStatus: 500 });
    expect((error as WahaServerErrorException).getStatus()).toBe(502);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('a retried GET that meets a healthy WAHA again returns its answer', async () => {
    fake = await fakeWaha((n) => (n < 2 ? { status: 503 } : { status: 200, body: [{ name: 'default' }] }));
    const client = new WahaClient({ url: fake.url, apiKey: 'k' }, 1000);
    await expect(client.listSessions()).resolves.toEqual([{ name: 'default' }]);
    expect(fake.requests).toHaveLength(3);
  });

  it('never retries POST sendText (a retry could send the message twice)', async () => {
    fake = await fakeWaha(() => ({ status: 500, body: { statusCode: 500, message: 'boom' } }));
    const client = new WahaClient({ url: fake.url, apiKey: 'k' }, 1000);
    const { error } = await failure(() => client.sendText(SEND));
    expect(error).toBeInstanceOf(WahaServerErrorException);
    expect(fake.requests).toHaveLength(1);
    const create = await failure(() => client.createSession('s', {}, true));
    expect(create.error).toBeInstanceOf(WahaServerErrorException);
    expect(fake.requests).toHaveLength(2);
  });

  it('a hanging server → WahaUnavailableException after about the timeout, not three timeouts', async () => {
    fake = await fakeWaha(() => 'hang');
    const client = new WahaClient({ url: fake.url, apiKey: 'k' }, 300);
    const get = await failure(() => client.listSessions());
    expect(get.error).toBeInstanceOf(WahaUnavailableException);
    expect((get.error as WahaUnavailableException).getStatus()).toBe(503);
    expect(get.error.message).toMatch(/no answer within 300 ms/);
    expect(get.ms).toBeGreaterThanOrEqual(280);
    expect(get.ms).toBeLessThan(700);
    expect(fake.requests).toHaveLength(1);

    const send = await failure(() => client.sendText(SEND));
    expect(send.error).toBeInstanceOf(WahaUnavailableException);
    expect(send.ms).toBeLessThan(700);
    expect(fake.requests).toHaveLength(2);
  });

  it('connection refused → WahaUnavailableException quickly', async () => {
    const client = new WahaClient({ url: `http://127.0.0.1:${await freePort()}`, apiKey: 'k' }, 5000);
    const get = await failure(() => client.listSessions());
    expect(get.error).toBeInstanceOf(WahaUnavailableException);
    expect(get.error.message).toMatch(/connection refused/);
    expect(get.ms).toBeLessThan(1500); // two short retry pauses, far from the 5 s timeout
    const send = await failure(() => client.sendText(SEND));
    expect(send.error).toBeInstanceOf(WahaUnavailableException);
    expect(send.ms).toBeLessThan(300); // not retried
  });
});
