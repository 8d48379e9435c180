/**
 * Sending: POST /whatsapp/send validation and permissions, Idempotency-Key, WAHA faults (5xx, 4xx, hangs,
 * reversed acks), Redis down at accept time (DESIGN.md "Sending: accepted means never lost", SECURITY.md §5/§6),
 * and cross-tenant isolation of the messaging reads and sends.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningEmulator } from 'waha-emulator';
import { freePort, TestApp } from '../utils/app';
import { linkDevice, LinkedDevice } from '../utils/devices';
import { bearer, createTenant, login, PASSWORD, TenantFixture } from '../utils/fixtures';
import {
  countMessages,
  DONE,
  FAST_SENDING,
  messageRow,
  postSend,
  RedisServer,
  sentWithText,
  sleep,
  waitForMessage,
} from '../utils/messaging';
import { ownerQuery } from '../utils/owner-db';
import { deviceRow, startWahaApp, wahaEnv } from '../utils/waha-devices';
import { emulatorCall, eventually, startTestEmulator } from '../utils/waha';

const ENV = { ...FAST_SENDING, WAHA_TIMEOUT_MS: '500' };

/** Error bodies carry a per-request id; everything else must be identical. */
const withoutRequestId = (body: unknown) => ({ ...(body as object), requestId: undefined });

const unique = (label: string) => `${label} ${randomBytes(4).toString('hex')}`;

describe('Sending', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let a: TenantFixture;
  let b: TenantFixture;
  /** A's Editor's device. */
  let device: LinkedDevice;
  /** The device of a second Editor of A. */
  let otherDevice: LinkedDevice;
  let otherEditorToken: string;
  /** B's Admin's device. */
  let bDevice: LinkedDevice;

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS', contacts: 6, groups: 1, ackDelayMs: 20 });
    t = await startWahaApp(wahaEnv(emulator, ENV));
    [a, b] = await Promise.all([createTenant(t), createTenant(t)]);
    const created = await t
      .http()
      .post('/users')
      .set(bearer(a.users.admin.token))
      .send({ username: 'editor2', password: PASSWORD, groupId: a.groups.Editors });
    expect(created.status).toBe(201);
    otherEditorToken = (await login(t, a.slug, 'editor2', PASSWORD)).accessToken;
    device = await linkDevice(t, emulator, a.users.editor.token, '4915100002001');
    otherDevice = await linkDevice(t, emulator, otherEditorToken, '4915100002002');
    bDevice = await linkDevice(t, emulator, b.users.admin.token, '4915100002003');
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  afterEach(async () => {
    await emulatorCall(emulator, 'DELETE', '/emulator/faults');
  });

  const editor = () => a.users.editor.token;

  describe('validation and permissions', () => {
    it.each([
      ['missing text', { to: '+4915112345678' }],
      ['empty text', { to: '+4915112345678', text: '' }],
      ['whitespace-only text', { to: '+4915112345678', text: ' \n\t  ' }],
      ['text that is not a string', { to: '+4915112345678', text: 42 }],
      ['missing to', { text: 'hello' }],
      ['a bad recipient', { to: '0151 1234', text: 'hello' }],
      ['a @lid recipient', { to: '123456789012345@lid', text: 'hello' }],
    ])('answers 400 for %s and stores nothing', async (_case, body) => {
      const before = await countMessages(a.id);
      const res = await postSend(t, editor(), body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.any(Array) });
      expect(await countMessages(a.id)).toBe(before);
    });

    it('accepts 4,096 characters and refuses 4,097 with a field message', async () => {
      const longest = `${randomBytes(8).toString('hex')}${'x'.repeat(4096 - 16)}`;
      const ok = await postSend(t, editor(), { to: '+4915112345678', text: longest });
      expect(ok.status).toBe(202);
      const row = await waitForMessage(ok.body.id, DONE);
      expect(row.body).toHaveLength(4096);
      expect(await sentWithText(emulator, longest)).toHaveLength(1);

      const tooLong = await postSend(t, editor(), { to: '+4915112345678', text: 'y'.repeat(4097) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.message).toContain('text must be 1-4096 characters');
    });

    it("answers 404 for another user's device (non-admin), sends nothing", async () => {
      const text = unique('not yours');
      const before = await countMessages(a.id);
      const res = await postSend(t, editor(), { deviceId: otherDevice.id, to: '+4915112345678', text });
      expect(res.status).toBe(404);
      expect(await countMessages(a.id)).toBe(before);
      await sleep(200);
      expect(await sentWithText(emulator, text)).toEqual([]);
    });

    it('lets an Admin send from any device of the tenant', async () => {
      const text = unique('admin via other device');
      const res = await postSend(t, a.users.admin.token, {
        deviceId: otherDevice.id,
        to: '+4915112345678',
        text,
      });
      expect(res.status).toBe(202);
      const row = await waitForMessage(res.body.id, DONE);
      expect(row).toMatchObject({ device_id: otherDevice.id, user_id: a.users.admin.id });
      const sent = await sentWithText(emulator, text);
      expect(sent.map((s) => s.session)).toEqual([(await deviceRow(otherDevice.id))!.session_name]);
    });

    it('refuses a Viewer with 403', async () => {
      const res = await postSend(t, a.users.viewer.token, {
        deviceId: device.id,
        to: '+4915112345678',
        text: 'x',
      });
      expect(res.status).toBe(403);
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first message for the same key and sends once', async () => {
      const key = `order-${randomUUID()}`;
      const text = unique('idempotent');
      const first = await postSend(t, editor(), { to: '+4915112345678', text }, key);
      expect(first.status).toBe(202);
      await waitForMessage(first.body.id, DONE);
      const second = await postSend(t, editor(), { to: '+4915112345678', text }, key);
      expect(second.status).toBe(202);
      expect(second.body.id).toBe(first.body.id);
      expect(DONE).toContain(second.body.status);
      await sleep(200);
      expect(await sentWithText(emulator, text)).toHaveLength(1);
    });

    it('answers 422 for the same key with another body', async () => {
      const key = `order-${randomUUID()}`;
      const first = await postSend(t, editor(), { to: '+4915112345678', text: unique('first') }, key);
      expect(first.status).toBe(202);
      const other = await postSend(t, editor(), { to: '+4915112345678', text: 'something else' }, key);
      expect(other.status).toBe(422);
      const otherTo = await postSend(t, editor(), { to: '+4915187654321', text: 'x' }, key);
      expect(otherTo.status).toBe(422);
      const rows = await ownerQuery(`SELECT id FROM messages WHERE tenant_id = $1 AND idempotency_key = $2`, [
        a.id,
        key,
      ]);
      expect(rows).toEqual([{ id: first.body.id }]);
    });

    it('treats the same key from another tenant as an independent message', async () => {
      const key = `shared-${randomUUID()}`;
      const textA = unique('tenant A');
      const textB = unique('tenant B');
      const fromA = await postSend(t, editor(), { to: '+4915112345678', text: textA }, key);
      const fromB = await postSend(t, b.users.admin.token, { to: '+4915112345678', text: textB }, key);
      expect([fromA.status, fromB.status]).toEqual([202, 202]);
      expect(fromB.body.id).not.toBe(fromA.body.id);
      expect(await waitForMessage(fromA.body.id, DONE)).toMatchObject({ tenant_id: a.id, body: textA });
      expect(await waitForMessage(fromB.body.id, DONE)).toMatchObject({ tenant_id: b.id, body: textB });
      expect(await sentWithText(emulator, textA)).toHaveLength(1);
      expect(await sentWithText(emulator, textB)).toHaveLength(1);
      const bView = await t.http().get(`/messages/${fromA.body.id}`).set(bearer(b.users.admin.token));
      expect(bView.status).toBe(404);
    });

    it('stores and sends one message for 10 concurrent requests with the same key', async () => {
      const key = `burst-${randomUUID()}`;
      const text = unique('concurrent');
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => postSend(t, editor(), { to: '+4915112345678', text }, key)),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(202));
      const ids = new Set(answers.map((r) => r.body.id as string));
      expect(ids.size).toBe(1);
      const rows = await ownerQuery<{ id: string }>(
        `SELECT id FROM messages WHERE tenant_id = $1 AND (idempotency_key = $2 OR body = $3)`,
        [a.id, key, text],
      );
      expect(rows.map((r) => r.id)).toEqual([...ids]);
      await waitForMessage([...ids][0]!, DONE);
      await sleep(300);
      expect(await sentWithText(emulator, text)).toHaveLength(1);
    });

    it.each([
      ['longer than 200 characters', 'k'.repeat(201)],
      ['with a non-ASCII character', 'schlüssel-1'],
    ])('answers 400 for a key %s', async (_case, key) => {
      const before = await countMessages(a.id);
      const res = await postSend(t, editor(), { to: '+4915112345678', text: 'x' }, key);
      expect(res.status).toBe(400);
      expect(await countMessages(a.id)).toBe(before);
    });

    it('accepts a key of exactly 200 characters', async () => {
      const key = `${randomUUID()}${'k'.repeat(164)}`;
      expect(key).toHaveLength(200);
      const res = await postSend(t, editor(), { to: '+4915112345678', text: unique('long key') }, key);
      expect(res.status).toBe(202);
    });
  });

  describe('WAHA faults', () => {
    // Faults hit the next sendText calls whoever makes them: let earlier sends finish first.
    beforeEach(() =>
      eventually(async () => {
        const busy = await ownerQuery(
          `SELECT 1 FROM messages WHERE tenant_id = ANY($1::uuid[]) AND status IN ('queued', 'sending')`,
          [[a.id, b.id]],
        );
        return busy.length === 0;
      }, 10_000),
    );

    it('retries WAHA 500s: three failures then success → sent once, attempts = 4', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sendText: { failNext: 3, status: 500 } });
      const text = unique('after 500s');
      const res = await postSend(t, editor(), { to: '+4915112345678', text });
      expect(res.status).toBe(202);
      const row = await waitForMessage(res.body.id, DONE, 15_000);
      expect(row.attempts).toBe(4);
      expect(row.error).toBeNull();
      expect(await sentWithText(emulator, text)).toHaveLength(1);
      expect(row.wa_message_id).toBe((await sentWithText(emulator, text))[0]!.id);
    });

    it('fails at once when WAHA refuses the request (400): one attempt, with an error', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sendText: { failNext: 1, status: 400 } });
      const text = unique('refused');
      const res = await postSend(t, editor(), { to: '+4915112345678', text });
      expect(res.status).toBe(202);
      const row = await waitForMessage(res.body.id, ['failed']);
      expect(row.attempts).toBe(1);
      expect(row.error).toMatch(/400/);
      const api = await t.http().get(`/messages/${res.body.id}`).set(bearer(editor()));
      expect(api.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/\S/) });
      await sleep(500);
      expect((await messageRow(res.body.id))!.attempts).toBe(1);
      expect(await sentWithText(emulator, text)).toEqual([]);
    });

    it('ends read when the acks arrive in reverse order', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { acks: { reverse: true } });
      const text = unique('reverse acks');
      const res = await postSend(t, editor(), { to: '+4915112345678', text });
      const row = await waitForMessage(res.body.id, ['read'], 15_000);
      expect(row.status).toBe('read');
      await sleep(500); // the DEVICE and SERVER acks that follow must not move it back
      expect((await messageRow(res.body.id))!.status).toBe('read');
    });

    it('keeps retrying while WAHA hangs and sends once after it recovers', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sendText: { hangNext: 1000 } });
      const text = unique('after hang');
      const res = await postSend(t, editor(), { to: '+4915112345678', text });
      expect(res.status).toBe(202);
      await eventually(async () => ((await messageRow(res.body.id))!.attempts >= 2 ? true : null), 10_000);
      expect((await messageRow(res.body.id))!.status).not.toBe('failed');
      await emulatorCall(emulator, 'DELETE', '/emulator/faults');
      const row = await waitForMessage(res.body.id, DONE, 20_000);
      expect(row.attempts).toBeGreaterThanOrEqual(3);
      await sleep(300);
      expect(await sentWithText(emulator, text)).toHaveLength(1);
    });
  });

  describe('messaging isolation', () => {
    /** A's outbound and inbound message, the chats they are in and A's directory rows. */
    let aOutbound: string;
    let aInbound: string;
    const aChat = '4915177700001@c.us';

    beforeAll(async () => {
      const res = await postSend(t, editor(), { to: aChat, text: unique('A private') });
      aOutbound = res.body.id;
      await waitForMessage(aOutbound, DONE);
      const inbound = await emulatorCall<{ id: string }>(emulator, 'POST', '/emulator/inbound', {
        to: device.phoneNumber,
        from: '4915177700002',
        text: unique('A inbound'),
      });
      expect(inbound.status).toBe(201);
      aInbound = await eventually(async () => {
        const rows = await ownerQuery<{ id: string }>(
          `SELECT id FROM messages WHERE tenant_id = $1 AND wa_message_id = $2`,
          [a.id, inbound.body.id],
        );
        return rows[0]?.id;
      });
      // Both tenants' directories are synced, so that the lists below have something to leak.
      for (const id of [device.id, bDevice.id]) {
        await eventually(async () => {
          const [row] = await ownerQuery<{ n: string }>(
            `SELECT (SELECT count(*) FROM contacts WHERE device_id = $1) * (SELECT count(*) FROM chat_groups WHERE device_id = $1) AS n`,
            [id],
          );
          return Number(row!.n) > 0;
        });
      }
    });

    const asB = () => b.users.admin.token;
    const unknownIds = () => ({ device: randomUUID(), message: randomUUID() });
    const aIds = () => ({ device: device.id, message: aOutbound });

    // B's Admin (who may use every device of B) aims at A's ids; each answer must be the 404 of an unknown id.
    const CASES: {
      name: string;
      request: (
        token: string,
        ids: { device: string; message: string },
      ) => Promise<{ status: number; body: unknown }>;
    }[] = [
      {
        name: 'GET /messages/:id',
        request: (tok, ids) => t.http().get(`/messages/${ids.message}`).set(bearer(tok)),
      },
      {
        name: 'GET /messages?deviceId',
        request: (tok, ids) => t.http().get(`/messages?deviceId=${ids.device}`).set(bearer(tok)),
      },
      {
        name: 'GET /chats?deviceId',
        request: (tok, ids) => t.http().get(`/chats?deviceId=${ids.device}`).set(bearer(tok)),
      },
      {
        name: 'GET /chats/:chatId/messages?deviceId',
        request: (tok, ids) =>
          t
            .http()
            .get(`/chats/${encodeURIComponent(aChat)}/messages?deviceId=${ids.device}`)
            .set(bearer(tok)),
      },
      {
        name: 'GET /contacts?deviceId',
        request: (tok, ids) => t.http().get(`/contacts?deviceId=${ids.device}`).set(bearer(tok)),
      },
      {
        name: 'GET /groups?deviceId',
        request: (tok, ids) => t.http().get(`/groups?deviceId=${ids.device}`).set(bearer(tok)),
      },
      {
        name: 'POST /whatsapp/send {deviceId}',
        request: (tok, ids) =>
          t
            .http()
            .post('/whatsapp/send')
            .set(bearer(tok))
            .send({ deviceId: ids.device, to: aChat, text: 'smuggled' }),
      },
    ];

    it.each(CASES.map((c) => [c.name, c] as const))(
      "%s with A's ids answers B with 404",
      async (_name, c) => {
        const before = await Promise.all([countMessages(a.id), countMessages(b.id)]);
        const control = await c.request(asB(), unknownIds());
        const attack = await c.request(asB(), aIds());
        expect(control.status).toBe(404);
        expect(attack.status).toBe(404);
        expect(withoutRequestId(attack.body)).toEqual(withoutRequestId(control.body));
        expect(await Promise.all([countMessages(a.id), countMessages(b.id)])).toEqual(before);
      },
    );

    it("sends nothing for a send smuggling A's device", async () => {
      await sleep(300);
      expect(await sentWithText(emulator, 'smuggled')).toEqual([]);
    });

    it("shows none of A's rows in B's unfiltered lists", async () => {
      const aMessageIds = new Set(
        (await ownerQuery<{ id: string }>(`SELECT id FROM messages WHERE tenant_id = $1`, [a.id])).map(
          (r) => r.id,
        ),
      );
      expect(aMessageIds.has(aOutbound) && aMessageIds.has(aInbound)).toBe(true);
      const aDirectory = new Set(
        (
          await ownerQuery<{ id: string }>(
            `SELECT id FROM contacts WHERE tenant_id = $1 UNION ALL SELECT id FROM chat_groups WHERE tenant_id = $1`,
            [a.id],
          )
        ).map((r) => r.id),
      );
      expect(aDirectory.size).toBeGreaterThan(0);

      for (const path of ['/messages?limit=100', `/chats/${encodeURIComponent(aChat)}/messages?limit=100`]) {
        const res = await t.http().get(path).set(bearer(asB()));
        expect([path, res.status]).toEqual([path, 200]);
        if (path.startsWith('/messages')) expect(res.body.items.length).toBeGreaterThan(0);
        const leaked = (res.body.items as { id: string; deviceId: string }[]).filter(
          (m) => aMessageIds.has(m.id) || m.deviceId !== bDevice.id,
        );
        expect([path, leaked]).toEqual([path, []]);
      }
      const chats = await t.http().get('/chats?limit=100').set(bearer(asB()));
      expect(chats.status).toBe(200);
      expect(chats.body.items.length).toBeGreaterThan(0);
      for (const chat of chats.body.items as { deviceId: string; lastMessage: { id: string } | null }[]) {
        expect(chat.deviceId).toBe(bDevice.id);
        if (chat.lastMessage) expect(aMessageIds.has(chat.lastMessage.id)).toBe(false);
      }
      for (const path of ['/contacts?limit=100', '/groups?limit=100']) {
        const res = await t.http().get(path).set(bearer(asB()));
        expect([path, res.status]).toEqual([path, 200]);
        expect(res.body.items.length).toBeGreaterThan(0);
        const leaked = (res.body.items as { id: string; deviceId: string }[]).filter(
          (item) => aDirectory.has(item.id) || item.deviceId !== bDevice.id,
        );
        expect([path, leaked]).toEqual([path, []]);
      }
      // Control: A itself still reads its message.
      const aOwn = await t.http().get(`/messages/${aOutbound}`).set(bearer(a.users.admin.token));
      expect(aOwn.status).toBe(200);
    });
  });
});

/**
 * An app with a Redis of its own (which a test may kill, pause and restart), an emulator, a tenant and a linked
 * device of its Editor. Registers its own beforeAll/afterAll; read the fields inside tests.
 */
function withOwnRedis(phone: string) {
  const ctx = {} as {
    emulator: RunningEmulator;
    redis: RedisServer;
    app: TestApp;
    c: TenantFixture;
    cDevice: LinkedDevice;
  };
  beforeAll(async () => {
    ctx.emulator = await startTestEmulator({ tier: 'PLUS', contacts: 3, groups: 1, ackDelayMs: 20 });
    ctx.redis = new RedisServer(await freePort());
    await ctx.redis.start();
    ctx.app = await startWahaApp(wahaEnv(ctx.emulator, { ...ENV, REDIS_URL: ctx.redis.url }));
    ctx.c = await createTenant(ctx.app);
    ctx.cDevice = await linkDevice(ctx.app, ctx.emulator, ctx.c.users.editor.token, phone);
  });
  afterAll(async () => {
    ctx.redis?.resume();
    await ctx.app?.close();
    await ctx.redis?.kill();
    await ctx.emulator?.close();
  });
  return ctx;
}

describe('Sending while Redis is down', () => {
  // A suite of its own: with another app on the same database but another Redis, that app's recovery sweep
  // (it runs across tenants) would send the message while this app's Redis is down.
  const ctx = withOwnRedis('4915100002004');

  it('answers 202 fast with the message queued in PostgreSQL, and sends it once Redis is back', async () => {
    const { emulator, redis, app, c, cDevice } = ctx;
    await redis.kill();
    const text = unique('redis down');
    const started = Date.now();
    const res = await postSend(app, c.users.editor.token, {
      deviceId: cDevice.id,
      to: '+4915112345678',
      text,
    });
    const took = Date.now() - started;
    expect(res.status).toBe(202);
    expect(took).toBeLessThan(3000);
    expect(await messageRow(res.body.id)).toMatchObject({ status: 'queued', tenant_id: c.id });

    await sleep(1500);
    expect((await messageRow(res.body.id))!.status).toBe('queued');
    expect(await sentWithText(emulator, text)).toEqual([]);

    await redis.start(); // same port, empty: the job is gone, only PostgreSQL remembers the message
    const row = await waitForMessage(res.body.id, DONE, 25_000);
    expect(row.attempts).toBe(1);
    await sleep(500);
    expect(await sentWithText(emulator, text)).toHaveLength(1);
  }, 45_000);
});

describe('Sending through longer Redis outages (SECURITY.md §6 R1, R3)', () => {
  // Own app and Redis, like the suite above, so that these outages cannot disturb its test.
  const ctx = withOwnRedis('4915100002005');

  // SECURITY.md §6 R1 keeps Redis down for 30 s. Past ~10 s the Redis clients' retry budget is spent: commands
  // queued meanwhile are rejected, and a rejection nobody handles ends a Node process.
  it('keeps accepting through a 12 s outage and sends everything afterwards', async () => {
    const { emulator, redis, app, c, cDevice } = ctx;
    await redis.kill();
    const texts = [unique('outage start'), unique('outage end')];
    const first = await postSend(app, c.users.editor.token, {
      deviceId: cDevice.id,
      to: '+4915112345678',
      text: texts[0],
    });
    expect(first.status).toBe(202);
    await sleep(12_000);
    const started = Date.now();
    const second = await postSend(app, c.users.editor.token, {
      deviceId: cDevice.id,
      to: '+4915112345678',
      text: texts[1],
    });
    expect(second.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(3000);
    await redis.start();
    await waitForMessage(first.body.id, DONE, 20_000);
    await waitForMessage(second.body.id, DONE, 20_000);
    for (const text of texts) expect(await sentWithText(emulator, text)).toHaveLength(1);
  }, 50_000);

  // SECURITY.md §6 R3: a Redis that accepts connections but does not answer (paused, overloaded) must not hang
  // requests either.
  it('answers fast while Redis hangs (SIGSTOP), and sends once it answers again', async () => {
    const { emulator, redis, app, c, cDevice } = ctx;
    redis.pause();
    const text = unique('redis hung');
    const started = Date.now();
    const res = await postSend(app, c.users.editor.token, {
      deviceId: cDevice.id,
      to: '+4915112345678',
      text,
    })
      .timeout(5000)
      .catch((error: Error) => ({ status: 0, body: { error: error.message } }));
    const took = Date.now() - started;
    redis.resume();
    expect([res.status, took < 3000]).toEqual([202, true]);
    await waitForMessage((res.body as { id: string }).id, DONE, 20_000);
    expect(await sentWithText(emulator, text)).toHaveLength(1);
  }, 40_000);
});
