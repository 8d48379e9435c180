import { randomUUID } from 'node:crypto';
import type { RunningEmulator, SessionInfo } from 'waha-emulator';
import { TestApp } from '../utils/app';
import {
  createDevice,
  DeviceBody,
  deviceRow,
  emulatorQr,
  emulatorSessions,
  linkDeviceByQr,
  sessionOfDevice,
  sleep,
  startWahaApp,
  waitForStatus,
  wahaEnv,
  webhookKeyOf,
  closeWahaApp,
} from '../utils/waha-devices';
import { bearer, createTenant, login, PASSWORD, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';
import { emulatorCall, EMULATOR_KEY, eventually, startTestEmulator } from '../utils/waha';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Internals that must never appear in a device answer. */
const HIDDEN_FIELDS = [
  'webhookKeyEnc',
  'webhookKey',
  'webhook_key_enc',
  'qrValue',
  'sessionName',
  'serverId',
  'tenantId',
];

function client(t: TestApp, token: string) {
  return {
    get: (path: string) => t.http().get(path).set(bearer(token)),
    post: (path: string, body?: object) => t.http().post(path).set(bearer(token)).send(body),
    put: (path: string, body: object) => t.http().put(path).set(bearer(token)).send(body),
    delete: (path: string) => t.http().delete(path).set(bearer(token)),
  };
}

async function liveDeviceCount(tenantId: string): Promise<number> {
  const [row] = await ownerQuery<{ n: string }>(
    `SELECT count(*) AS n FROM devices WHERE tenant_id = $1 AND deleted_at IS NULL`,
    [tenantId],
  );
  return Number(row!.n);
}

describe('WhatsApp devices on a PLUS emulator', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;
  const ids: Record<'sales' | 'support' | 'pending', string> = { sales: '', support: '', pending: '' };
  const as = (token: string) => client(t, token);

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    t = await startWahaApp(wahaEnv(emulator, { WAHA_QR_WAIT_MS: '3000' }));
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await emulator?.close();
  });

  it('links two devices by QR and reports WORKING with the phone number', async () => {
    const editor = bearer(tenant.users.editor.token);
    for (const [key, name, phone] of [
      ['sales', 'Sales', '4915100000001'],
      ['support', 'Support', '4915100000002'],
    ] as const) {
      const created = await t.http().post('/whatsapp/devices').set(editor).send({ name });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.any(String), name, status: 'SCAN_QR_CODE' });
      expect(created.body.qr.value).toMatch(/^2@/);
      expect(created.body.qr.image).toMatch(/^data:image\/png;base64,/);
      const scan = await emulatorCall(emulator, 'POST', '/emulator/scan', {
        qr: created.body.qr.value,
        phoneNumber: phone,
      });
      expect(scan.status).toBe(200);
      const device = await eventually(async () => {
        const res = await t.http().get(`/whatsapp/devices/${created.body.id}`).set(editor);
        return res.body.status === 'WORKING' ? res.body : null;
      });
      expect(device.phoneNumber).toBe(phone);
      ids[key] = created.body.id;
    }
    const list = await t.http().get('/whatsapp/devices').set(editor);
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((d: { active: boolean }) => d.active)).toHaveLength(1);
  });

  it('GET /whatsapp/devices and /:id answer the documented shape and no internals', async () => {
    const editor = as(tenant.users.editor.token);
    const list = await editor.get('/whatsapp/devices');
    expect(list.status).toBe(200);
    expect(list.body.map((d: DeviceBody) => d.id)).toEqual([ids.sales, ids.support]);
    for (const [index, phone] of ['4915100000001', '4915100000002'].entries()) {
      const item = list.body[index];
      expect(item).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(UUID),
          name: index === 0 ? 'Sales' : 'Support',
          status: 'WORKING',
          phoneNumber: phone,
          // The first linked device became the editor's active one.
          active: index === 0,
          createdAt: expect.stringMatching(ISO_DATE),
        }),
      );
      for (const field of HIDDEN_FIELDS) expect(item).not.toHaveProperty(field);
      const one = await editor.get(`/whatsapp/devices/${item.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(item);
    }
    const missing = await editor.get(`/whatsapp/devices/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, message: expect.any(String) });
    expect((await editor.get('/whatsapp/devices/not-a-uuid')).status).toBe(400);
  });

  it('PUT /whatsapp/devices/active switches the active device (404 unknown id, 403 for a Viewer)', async () => {
    const editor = as(tenant.users.editor.token);
    const activeIds = async () =>
      (await editor.get('/whatsapp/devices')).body
        .filter((d: DeviceBody) => d.active)
        .map((d: DeviceBody) => d.id);
    expect(await activeIds()).toEqual([ids.sales]);

    const switched = await editor.put('/whatsapp/devices/active', { deviceId: ids.support });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ id: ids.support, active: true, status: 'WORKING' });
    expect(await activeIds()).toEqual([ids.support]);
    expect((await editor.get(`/whatsapp/devices/${ids.sales}`)).body.active).toBe(false);

    const unknown = await editor.put('/whatsapp/devices/active', { deviceId: randomUUID() });
    expect(unknown.status).toBe(404);
    expect((await editor.put('/whatsapp/devices/active', { deviceId: 'nope' })).status).toBe(400);
    const viewer = await as(tenant.users.viewer.token).put('/whatsapp/devices/active', {
      deviceId: ids.sales,
    });
    expect(viewer.status).toBe(403);
    expect(await activeIds()).toEqual([ids.support]);

    // And back: switching is not a one-way latch.
    expect((await editor.put('/whatsapp/devices/active', { deviceId: ids.sales })).status).toBe(200);
    expect(await activeIds()).toEqual([ids.sales]);
  });

  it('POST /whatsapp/devices/:id/sync → 202 {status: queued} when WORKING, 409 otherwise', async () => {
    const editor = as(tenant.users.editor.token);
    const queued = await editor.post(`/whatsapp/devices/${ids.sales}/sync`);
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ status: 'queued' });

    const pending = await createDevice(t, tenant.users.editor.token, 'Pending');
    expect(pending.status).toBe('SCAN_QR_CODE');
    ids.pending = pending.id;
    const refused = await editor.post(`/whatsapp/devices/${pending.id}/sync`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/WORKING/);
    expect((await editor.post(`/whatsapp/devices/${randomUUID()}/sync`)).status).toBe(404);
  });

  it('validates POST /whatsapp/devices: 400 for an empty or missing name and for extra fields', async () => {
    const editor = as(tenant.users.editor.token);
    const devicesBefore = await liveDeviceCount(tenant.id);
    const sessionsBefore = (await emulatorSessions(emulator)).length;
    const cases: [object, RegExp][] = [
      [{ name: '' }, /name/],
      [{ name: '   ' }, /name/],
      [{}, /name/],
      [{ name: 42 }, /name/],
      [{ name: 'Fine', extra: true }, /extra/],
      [{ name: 'Fine', tenantId: randomUUID() }, /tenantId/],
    ];
    for (const [body, mentions] of cases) {
      const res = await editor.post('/whatsapp/devices', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.statusCode).toBe(400);
      expect(Array.isArray(res.body.message)).toBe(true);
      expect(res.body.message.join(' ')).toMatch(mentions);
    }
    expect(await liveDeviceCount(tenant.id)).toBe(devicesBefore);
    expect((await emulatorSessions(emulator)).length).toBe(sessionsBefore);
  });

  it('a Viewer may read but not link, sync, fetch a QR or delete (403)', async () => {
    const viewer = as(tenant.users.viewer.token);
    expect((await viewer.post('/whatsapp/devices', { name: 'Nope' })).status).toBe(403);
    expect((await viewer.get(`/whatsapp/devices/${ids.pending}/qr`)).status).toBe(403);
    expect((await viewer.post(`/whatsapp/devices/${ids.sales}/sync`)).status).toBe(403);
    expect((await viewer.delete(`/whatsapp/devices/${ids.sales}`)).status).toBe(403);
    const list = await viewer.get('/whatsapp/devices');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]); // the Viewer linked nothing
    expect((await as(tenant.users.editor.token).get(`/whatsapp/devices/${ids.sales}`)).status).toBe(200);
  });

  it("another user of the tenant gets 404 for the editor's device; the Admin sees it with ?all=true", async () => {
    const admin = as(tenant.users.admin.token);
    const created = await admin.post('/users', {
      username: 'editor2',
      password: PASSWORD,
      groupId: tenant.groups.Editors,
    });
    expect(created.status).toBe(201);
    const other = as((await login(t, tenant.slug, 'editor2', PASSWORD)).accessToken);

    expect((await other.get(`/whatsapp/devices/${ids.sales}`)).status).toBe(404);
    expect((await other.get(`/whatsapp/devices/${ids.pending}/qr`)).status).toBe(404);
    expect((await other.post(`/whatsapp/devices/${ids.sales}/sync`)).status).toBe(404);
    expect((await other.put('/whatsapp/devices/active', { deviceId: ids.sales })).status).toBe(404);
    expect((await other.delete(`/whatsapp/devices/${ids.support}`)).status).toBe(404);
    expect((await other.get('/whatsapp/devices')).body).toEqual([]);
    const otherAll = await other.get('/whatsapp/devices?all=true');
    expect(otherAll.status).toBe(403);

    const adminOne = await admin.get(`/whatsapp/devices/${ids.sales}`);
    expect(adminOne.status).toBe(200);
    expect(adminOne.body).toMatchObject({ id: ids.sales, userId: tenant.users.editor.id, status: 'WORKING' });
    const adminAll = await admin.get('/whatsapp/devices?all=true');
    expect(adminAll.status).toBe(200);
    expect(adminAll.body.map((d: DeviceBody) => d.id).sort()).toEqual(
      [ids.sales, ids.support, ids.pending].sort(),
    );
    expect((await admin.get('/whatsapp/devices')).body).toEqual([]); // the Admin's own devices
    expect((await admin.get('/whatsapp/devices?all=maybe')).status).toBe(400);

    // The refused DELETE changed nothing.
    const support = await as(tenant.users.editor.token).get(`/whatsapp/devices/${ids.support}`);
    expect(support.body.status).toBe('WORKING');
    expect(sessionOfDevice(await emulatorSessions(emulator), ids.support)?.status).toBe('WORKING');
  });

  it('DELETE → 204: the WAHA session is removed, the device is gone from the API, its row stays', async () => {
    const token = tenant.users.editor.token;
    const editor = as(token);
    const temp = await linkDeviceByQr(t, token, emulator, 'Temp', '4915100000003');
    const row = (await deviceRow(temp.id))!;
    const before = sessionOfDevice(await emulatorSessions(emulator), temp.id);
    expect(before).toMatchObject({ name: row.session_name, status: 'WORKING' });

    const res = await editor.delete(`/whatsapp/devices/${temp.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const sessions = await emulatorSessions(emulator);
    expect(sessions.map((s: SessionInfo) => s.name)).not.toContain(row.session_name);
    expect(sessionOfDevice(sessions, temp.id)).toBeUndefined();
    expect((await editor.get(`/whatsapp/devices/${temp.id}`)).status).toBe(404);
    expect((await editor.get('/whatsapp/devices')).body.map((d: DeviceBody) => d.id)).not.toContain(temp.id);
    const stored = (await deviceRow(temp.id))!;
    expect(stored.deleted_at).toBeInstanceOf(Date);
    expect(stored.phone_number).toBe('4915100000003'); // history keeps pointing at a real device row
    expect((await editor.delete(`/whatsapp/devices/${temp.id}`)).status).toBe(404);
    // The other sessions are untouched.
    expect(sessionOfDevice(sessions, ids.sales)?.status).toBe('WORKING');
  });

  // The device rows of the tenant-isolation suite (isolation.e2e-spec.ts lists these routes as covered here):
  // tenant B's Admin aims at tenant A's devices; the answer equals the one for an id that exists nowhere, and
  // nothing of A changes (database row, active device, WAHA session).
  describe('device isolation', () => {
    let other: TenantFixture;
    let othersDevice: DeviceBody;
    beforeAll(async () => {
      other = await createTenant(t);
      othersDevice = await createDevice(t, other.users.editor.token, 'B phone');
    });

    it("tenant B's Admin gets 404 for every operation on tenant A's device, which stays unchanged", async () => {
      const rowsBefore = await ownerQuery(`SELECT * FROM devices WHERE tenant_id = $1 ORDER BY id`, [
        tenant.id,
      ]);
      const activeBefore = await ownerQuery(
        `SELECT * FROM user_active_devices WHERE tenant_id IN ($1, $2) ORDER BY tenant_id, user_id`,
        [tenant.id, other.id],
      );
      const intruder = as(other.users.admin.token);
      type Call = (id: string) => ReturnType<ReturnType<typeof as>['get']>;
      const cases: [string, Call, string][] = [
        ['GET /:id', (id) => intruder.get(`/whatsapp/devices/${id}`), ids.sales],
        ['GET /:id/qr (SCAN_QR_CODE)', (id) => intruder.get(`/whatsapp/devices/${id}/qr`), ids.pending],
        ['GET /:id/qr (WORKING)', (id) => intruder.get(`/whatsapp/devices/${id}/qr`), ids.sales],
        ['POST /:id/sync', (id) => intruder.post(`/whatsapp/devices/${id}/sync`), ids.sales],
        ['PUT /active', (id) => intruder.put('/whatsapp/devices/active', { deviceId: id }), ids.sales],
        ['DELETE /:id (WORKING)', (id) => intruder.delete(`/whatsapp/devices/${id}`), ids.sales],
        ['DELETE /:id (SCAN_QR_CODE)', (id) => intruder.delete(`/whatsapp/devices/${id}`), ids.pending],
      ];
      for (const [what, call, victim] of cases) {
        const res = await call(victim);
        expect({ what, status: res.status }).toEqual({ what, status: 404 });
        expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
        // Not-yours and does-not-exist are indistinguishable.
        const control = await call(randomUUID());
        expect({ what, body: { ...res.body, requestId: '-' } }).toEqual({
          what,
          body: { ...control.body, requestId: '-' },
        });
      }

      // Lists show B's device only, whatever B claims about the tenant.
      for (const query of ['', '?all=true', `?all=true&tenantId=${tenant.id}`]) {
        const res = await intruder.get(`/whatsapp/devices${query}`).set('X-Tenant-Id', tenant.id);
        expect({ query, status: [200, 400].includes(res.status) }).toEqual({ query, status: true });
        if (res.status !== 200) continue;
        const expected = query.includes('all=true') ? [othersDevice.id] : [];
        expect({ query, ids: res.body.map((d: DeviceBody) => d.id) }).toEqual({ query, ids: expected });
      }

      expect(await ownerQuery(`SELECT * FROM devices WHERE tenant_id = $1 ORDER BY id`, [tenant.id])).toEqual(
        rowsBefore,
      );
      expect(
        await ownerQuery(
          `SELECT * FROM user_active_devices WHERE tenant_id IN ($1, $2) ORDER BY tenant_id, user_id`,
          [tenant.id, other.id],
        ),
      ).toEqual(activeBefore);
      const sessions = await emulatorSessions(emulator);
      expect(sessionOfDevice(sessions, ids.sales)?.status).toBe('WORKING');
      expect(sessionOfDevice(sessions, ids.pending)?.status).toBe('SCAN_QR_CODE');
      const mine = await as(tenant.users.editor.token).get(`/whatsapp/devices/${ids.sales}`);
      expect(mine.body).toMatchObject({ status: 'WORKING', active: true, phoneNumber: '4915100000001' });
    });
  });
});

describe('Placement across two WAHA Core servers (WAHA_SERVERS)', () => {
  let servers: [RunningEmulator, RunningEmulator];
  let t: TestApp;
  let tenant: TenantFixture;
  /** device id placed on servers[i] */
  const placed: string[] = [];

  beforeAll(async () => {
    servers = [await startTestEmulator({ tier: 'CORE' }), await startTestEmulator({ tier: 'CORE' })];
    t = await startWahaApp({
      WAHA_SERVERS: JSON.stringify(servers.map((e) => ({ url: e.url, apiKey: EMULATOR_KEY }))),
      WAHA_QR_WAIT_MS: '3000',
    });
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await Promise.all((servers ?? []).map((e) => e?.close()));
  });

  it('puts one device on each Core server (session `default`), links both, and refuses a third with 409', async () => {
    const token = tenant.users.editor.token;
    const created = [await createDevice(t, token, 'One'), await createDevice(t, token, 'Two')];
    const byId = new Map(created.map((d) => [d.id, d]));
    for (const [i, emulator] of servers.entries()) {
      const sessions = await emulatorSessions(emulator);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ name: 'default', status: 'SCAN_QR_CODE' });
      const deviceId = sessions[0]!.config?.metadata?.deviceId;
      expect(byId.has(deviceId!)).toBe(true);
      placed[i] = deviceId!;
    }
    expect(new Set(placed).size).toBe(2);
    const rows = await Promise.all(placed.map((id) => deviceRow(id)));
    expect(rows.map((r) => r!.session_name)).toEqual(['default', 'default']);
    expect(rows[0]!.server_id).not.toBe(rows[1]!.server_id);

    // Each QR belongs to its own server: scanning it there links that device.
    for (const [i, emulator] of servers.entries()) {
      const device = byId.get(placed[i]!)!;
      expect(await emulatorQr(emulator, 'default')).toBe(device.qr!.value);
      const phone = `49151000001${i}0`;
      const scan = await emulatorCall(emulator, 'POST', '/emulator/scan', {
        qr: device.qr!.value,
        phoneNumber: phone,
      });
      expect(scan.status).toBe(200);
      const working = await waitForStatus(t, token, device.id, 'WORKING');
      expect(working.phoneNumber).toBe(phone);
    }

    const third = await t.http().post('/whatsapp/devices').set(bearer(token)).send({ name: 'Three' });
    expect(third.status).toBe(409);
    expect(third.body.message).toMatch(/full/i);
    expect((await t.http().get('/whatsapp/devices').set(bearer(token))).body).toHaveLength(2);
    const [all] = await ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM devices WHERE tenant_id = $1`, [
      tenant.id,
    ]);
    expect(Number(all!.n)).toBe(2);
    for (const emulator of servers) expect(await emulatorSessions(emulator)).toHaveLength(1);
  });

  it('after a device is deleted its server takes a new device', async () => {
    const token = tenant.users.editor.token;
    const res = await t.http().delete(`/whatsapp/devices/${placed[0]}`).set(bearer(token));
    expect(res.status).toBe(204);
    expect(sessionOfDevice(await emulatorSessions(servers[0]), placed[0]!)).toBeUndefined();

    const next = await createDevice(t, token, 'Replacement');
    expect(next.status).toBe('SCAN_QR_CODE');
    const sessions = await emulatorSessions(servers[0]);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ name: 'default', config: { metadata: { deviceId: next.id } } });
    // The other server still holds its WORKING device.
    expect(sessionOfDevice(await emulatorSessions(servers[1]), placed[1]!)?.status).toBe('WORKING');
    const again = await t.http().post('/whatsapp/devices').set(bearer(token)).send({ name: 'Too many' });
    expect(again.status).toBe(409);
  });
});

describe('WAHA Core restart', () => {
  let core: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    core = await startTestEmulator({ tier: 'CORE' });
    t = await startWahaApp(wahaEnv(core, { WAHA_CHECK_INTERVAL_SECONDS: '1', WAHA_QR_WAIT_MS: '3000' }));
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await core?.close();
  });

  it('the server check re-applies the forgotten session config; the device is WORKING and its webhooks still accepted', async () => {
    const token = tenant.users.editor.token;
    const phone = '4915100000030';
    const device = await linkDeviceByQr(t, token, core, 'Core phone', phone);
    const serverStart = async () =>
      (await emulatorCall<{ startTimestamp: number }>(core, 'GET', '/api/server/status')).body.startTimestamp;
    const recordedStart = async () =>
      Number(
        (
          await ownerQuery<{ start_timestamp: string | null }>(
            `SELECT start_timestamp FROM waha_servers WHERE url = $1`,
            [core.url],
          )
        )[0]?.start_timestamp ?? 0,
      );
    // The server check has seen WAHA once, so a new start time will read as a restart.
    const firstStart = await serverStart();
    await eventually(async () => (await recordedStart()) === firstStart, 5000);
    const before = (await deviceRow(device.id))!;
    await sleep(5); // a later WAHA start time than the first

    const restart = await emulatorCall(core, 'POST', '/emulator/restart');
    expect(restart.status).toBe(200);
    const forgotten = await emulatorCall<SessionInfo>(core, 'GET', '/api/sessions/default');
    expect(forgotten.body).toMatchObject({ status: 'STOPPED', config: null });
    const secondStart = await serverStart();
    expect(secondStart).toBeGreaterThan(firstStart);

    const key = await webhookKeyOf(device.id);
    const reapplied = await eventually(async () => {
      const res = await emulatorCall<SessionInfo>(core, 'GET', '/api/sessions/default');
      return res.body.status === 'WORKING' && res.body.config ? res.body : null;
    }, 8000);
    expect(reapplied.config!.metadata).toMatchObject({ deviceId: device.id, tenantId: tenant.id });
    expect(reapplied.config!.webhooks).toEqual([
      expect.objectContaining({ url: t.config.waha.webhookUrl, hmac: { key } }),
    ]);
    await eventually(async () => (await recordedStart()) === secondStart, 5000);
    // The restart's STARTING → WORKING events reached the device.
    const after = await eventually(async () => {
      const row = (await deviceRow(device.id))!;
      return row.status === 'WORKING' && row.status_event_at! > before.status_event_at! ? row : null;
    }, 5000);
    expect(after.phone_number).toBe(phone);
    const api = await waitForStatus(t, token, device.id, 'WORKING');
    expect(api.phoneNumber).toBe(phone);

    const text = `after restart ${randomUUID()}`;
    const inbound = await emulatorCall(core, 'POST', '/emulator/inbound', {
      to: phone,
      from: '4915177700001',
      text,
    });
    expect(inbound.status).toBe(201);
    const rows = await eventually(async () => {
      const found = await ownerQuery<{ event_id: string; tenant_id: string }>(
        `SELECT event_id, tenant_id FROM webhook_inbox
         WHERE device_id = $1 AND event = 'message.any' AND payload->'payload'->>'body' = $2`,
        [device.id, text],
      );
      return found.length ? found : null;
    }, 5000);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tenant_id).toBe(tenant.id);
  });
});

describe('QR lifecycle with short QR timings', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;
  let device: DeviceBody;
  let session: string;
  const seenStored = new Set<string>();

  beforeAll(async () => {
    // Short, but not shorter: under Jest, rendering one QR PNG (qrcode/pngjs) blocks the event loop for ~0.5 s
    // (10 ms in plain Node), the app renders one per new QR, and on a loaded machine each rotation's webhook can
    // take a second to be processed.
    emulator = await startTestEmulator({ tier: 'PLUS', qrFirstMs: 2000, qrNextMs: 2000, qrMax: 3 });
    t = await startWahaApp(wahaEnv(emulator, { WAHA_QR_WAIT_MS: '3000' }));
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await emulator?.close();
  });

  it('stores every new QR as WAHA rotates it, then FAILED with a reason after the last one', async () => {
    device = await createDevice(t, tenant.users.editor.token, 'Rotating');
    expect(device.status).toBe('SCAN_QR_CODE');
    expect(device.qr?.value).toMatch(/^2@/);
    session = (await deviceRow(device.id))!.session_name;

    const shownByWaha = new Set<string>([device.qr!.value]);
    seenStored.add(device.qr!.value);
    let done = false;
    const watchWaha = (async () => {
      while (!done) {
        const value = await emulatorQr(emulator, session);
        if (value) shownByWaha.add(value);
        await sleep(15);
      }
    })();
    const final = await eventually(async () => {
      const row = (await deviceRow(device.id))!;
      if (row.qr_value) seenStored.add(row.qr_value);
      return row.status === 'FAILED' ? row : null;
    }, 12_000).finally(() => {
      done = true;
    });
    await watchWaha;

    // The stored QR changed with WAHA's rotations, to values WAHA showed. (The poller can miss a QR while a PNG
    // render blocks the event loop under load, so one rotation it confirms is enough.)
    const rotations = [...seenStored].filter((value) => value !== device.qr!.value);
    expect(rotations.length).toBeGreaterThanOrEqual(1);
    expect(rotations.filter((value) => shownByWaha.has(value)).length).toBeGreaterThanOrEqual(1);
    for (const value of seenStored) expect(value).toMatch(/^2@/);
    expect(final.status_reason).toMatch(/\S/);
    expect(final.qr_value).toBeNull();
    const api = await t.http().get(`/whatsapp/devices/${device.id}`).set(bearer(tenant.users.editor.token));
    expect(api.body.status).toBe('FAILED');
    expect(api.body.statusReason).toMatch(/QR code was not scanned/);
  });

  it('GET /:id/qr on a FAILED device restarts it with a fresh QR; later QRs follow WAHA', async () => {
    const token = tenant.users.editor.token;
    // Keep the new cycle's QR on screen while we compare.
    expect(
      (await emulatorCall(emulator, 'POST', '/emulator/config', { qrFirstMs: 20_000, qrNextMs: 20_000 }))
        .status,
    ).toBe(200);

    const res = await t.http().get(`/whatsapp/devices/${device.id}/qr`).set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      value: expect.stringMatching(/^2@/),
      image: expect.stringMatching(/^data:image\/png;base64,/),
    });
    expect(seenStored).not.toContain(res.body.value);
    expect(await emulatorQr(emulator, session)).toBe(res.body.value);
    const restarted = await waitForStatus(t, token, device.id, 'SCAN_QR_CODE', 2000);
    expect(restarted.statusReason).toBeNull();
    expect((await deviceRow(device.id))!.qr_value).toBe(res.body.value);

    // WAHA rotates the QR: the stored one follows (session.status webhook) and GET /qr serves the new one.
    const expire = await emulatorCall(emulator, 'POST', `/emulator/sessions/${session}/qr/expire`);
    expect(expire.status).toBe(200);
    const rotated = (await emulatorQr(emulator, session))!;
    expect(rotated).not.toBe(res.body.value);
    await eventually(async () => (await deviceRow(device.id))!.qr_value === rotated);
    const again = await t.http().get(`/whatsapp/devices/${device.id}/qr`).set(bearer(token));
    expect(again.status).toBe(200);
    expect(again.body.value).toBe(rotated);
  });

  it('GET /:id/qr on a WORKING device → 409', async () => {
    const token = tenant.users.editor.token;
    const qr = (await emulatorQr(emulator, session))!;
    expect(
      (await emulatorCall(emulator, 'POST', '/emulator/scan', { qr, phoneNumber: '4915100000020' })).status,
    ).toBe(200);
    await waitForStatus(t, token, device.id, 'WORKING');
    const res = await t.http().get(`/whatsapp/devices/${device.id}/qr`).set(bearer(token));
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/WORKING/);
    expect(sessionOfDevice(await emulatorSessions(emulator), device.id)?.status).toBe('WORKING');
  });
});

describe('A session that never finishes STARTING', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    await emulatorCall(emulator, 'POST', '/emulator/config', { startingDelayMs: 600_000 });
    t = await startWahaApp(wahaEnv(emulator, { WAHA_STARTING_TIMEOUT_SECONDS: '1', WAHA_QR_WAIT_MS: '0' }));
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await emulator?.close();
  });

  it('is reported FAILED by the STARTING watchdog with a reason', async () => {
    const token = tenant.users.editor.token;
    const started = Date.now();
    const device = await createDevice(t, token, 'Slow');
    expect(device).toMatchObject({ status: 'STARTING', qr: null });
    expect(sessionOfDevice(await emulatorSessions(emulator), device.id)?.status).toBe('STARTING');

    const failed = await waitForStatus(t, token, device.id, 'FAILED', 8000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // not before WAHA_STARTING_TIMEOUT_SECONDS
    expect(failed.statusReason).toMatch(/did not finish starting/);
    expect(failed.statusReason).toMatch(/1 s/);
    // WAHA itself never moved: only the watchdog could have said FAILED.
    expect(sessionOfDevice(await emulatorSessions(emulator), device.id)?.status).toBe('STARTING');
  });
});
