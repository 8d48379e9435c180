import { EventEmitter2 } from '@nestjs/event-emitter';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { RunningEmulator } from 'waha-emulator';
import { DeviceStatusEvent, DomainEvent } from '../../src/common/events/domain-events';
import { WahaEventRouter } from '../../src/modules/whatsapp/webhooks/waha-event-router';
import { TestApp } from '../utils/app';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';
import { eventually, startTestEmulator } from '../utils/waha';
import {
  createDevice,
  deviceRow,
  sleep,
  startWahaApp,
  waitForStatus,
  wahaEnv,
  webhookKeyOf,
  closeWahaApp,
} from '../utils/waha-devices';

/** A device as a webhook sender sees it: its id, tenant, WAHA session name and HMAC key. */
interface Target {
  id: string;
  tenantId: string;
  session: string;
  key: string;
}

interface InboxRow {
  tenant_id: string;
  event_id: string;
  device_id: string;
  event: string;
  payload: { payload: { status?: string }; me: unknown };
  processed_at: Date | null;
}

const MAX_AGE_SECONDS = 60;

function eventId(): string {
  return `evt_${randomBytes(13).toString('hex')}`;
}

/** A WAHA 2025.11 envelope for `target` (a session.status event unless overridden). */
function envelope(target: Target, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: eventId(),
    timestamp: Date.now(),
    event: 'session.status',
    session: target.session,
    metadata: { deviceId: target.id, tenantId: target.tenantId },
    me: null,
    payload: { name: target.session, status: 'SCAN_QR_CODE', statuses: [] },
    engine: 'GOWS',
    environment: { version: '2025.11.3', engine: 'GOWS', tier: 'PLUS', browser: null },
    ...overrides,
  };
}

function statusEnvelope(target: Target, status: string, timestamp = Date.now(), me: unknown = null) {
  return envelope(target, {
    timestamp,
    me,
    payload: { name: target.session, status, statuses: [{ status, timestamp }] },
  });
}

function hmac(key: string, body: string, algorithm = 'sha512'): string {
  return createHmac(algorithm, key).update(body, 'utf8').digest('hex');
}

/** The headers WAHA sends with a signed delivery. */
function signed(key: string, body: string): Record<string, string> {
  return {
    'X-Webhook-Hmac': hmac(key, body),
    'X-Webhook-Hmac-Algorithm': 'sha512',
    'X-Webhook-Request-Id': randomBytes(13).toString('hex'),
    'X-Webhook-Timestamp': String(Date.now()),
  };
}

async function inbox(id: string): Promise<InboxRow[]> {
  return ownerQuery<InboxRow>(`SELECT * FROM webhook_inbox WHERE event_id = $1`, [id]);
}

function processed(id: string): Promise<InboxRow> {
  return eventually(async () => {
    const [row] = await inbox(id);
    return row?.processed_at ? row : null;
  });
}

describe('POST /webhooks/waha', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let a: TenantFixture;
  let b: TenantFixture;
  /** main: most cases; crowd: the 50 concurrent deliveries; order: out-of-order events; gone: deleted; other: tenant B. */
  const targets = {} as Record<'main' | 'crowd' | 'order' | 'gone' | 'other', Target>;
  /** How often the session.status handlers ran, per event id (the "effect" of an event). */
  const dispatched = new Map<string, number>();
  const statusEvents: DeviceStatusEvent[] = [];

  const deliver = (body: string, headers: Record<string, string>) =>
    t.http().post('/webhooks/waha').set('Content-Type', 'application/json').set(headers).send(body);

  /** 401, a generic message, and nothing stored for the event. */
  async function expectRejected(body: string, headers: Record<string, string>, id: string): Promise<void> {
    const res = await deliver(body, headers);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, message: expect.any(String) });
    expect(await inbox(id)).toEqual([]);
  }

  async function expectAccepted(body: string, headers: Record<string, string>, id: string): Promise<void> {
    const res = await deliver(body, headers);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: 'accepted' } });
    expect(await inbox(id)).toHaveLength(1);
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    t = await startWahaApp(
      wahaEnv(emulator, {
        WAHA_QR_WAIT_MS: '0',
        WAHA_WEBHOOK_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
        // No server check may "correct" the statuses these tests set through webhooks.
        WAHA_CHECK_INTERVAL_SECONDS: '3600',
      }),
    );
    a = await createTenant(t);
    b = await createTenant(t);

    const make = async (tenant: TenantFixture, name: string): Promise<Target> => {
      const device = await createDevice(t, tenant.users.editor.token, name);
      // WAHA's own STARTING / SCAN_QR_CODE events are applied before the tests send theirs.
      await waitForStatus(t, tenant.users.editor.token, device.id, 'SCAN_QR_CODE');
      const row = (await deviceRow(device.id))!;
      return {
        id: device.id,
        tenantId: tenant.id,
        session: row.session_name,
        key: await webhookKeyOf(device.id),
      };
    };
    targets.main = await make(a, 'Main');
    targets.crowd = await make(a, 'Crowd');
    targets.order = await make(a, 'Order');
    targets.gone = await make(a, 'Gone');
    targets.other = await make(b, 'Other tenant');
    const deleted = await t
      .http()
      .delete(`/whatsapp/devices/${targets.gone.id}`)
      .set(bearer(a.users.editor.token));
    expect(deleted.status).toBe(204);

    t.app.get(WahaEventRouter).on('session.status', async (event) => {
      dispatched.set(event.eventId, (dispatched.get(event.eventId) ?? 0) + 1);
    });
    t.app.get(EventEmitter2).on(DomainEvent.DeviceStatus, (event: DeviceStatusEvent) => {
      statusEvents.push(event);
    });
  });
  afterAll(async () => {
    await closeWahaApp(t);
    await emulator?.close();
  });

  it('a correctly signed event → 200 {status: accepted}, one inbox row, handled once', async () => {
    const env = envelope(targets.main);
    const body = JSON.stringify(env);
    await expectAccepted(body, signed(targets.main.key, body), env.id as string);
    const [row] = await inbox(env.id as string);
    expect(row).toMatchObject({
      tenant_id: a.id,
      device_id: targets.main.id,
      event: 'session.status',
      payload: { payload: { status: 'SCAN_QR_CODE' } },
    });
    await processed(env.id as string);
    expect(dispatched.get(env.id as string)).toBe(1);
  });

  it('the same event id again → 200 {status: duplicate}: still one row and no second effect', async () => {
    const env = statusEnvelope(targets.main, 'SCAN_QR_CODE');
    const body = JSON.stringify(env);
    await expectAccepted(body, signed(targets.main.key, body), env.id as string);
    await processed(env.id as string);

    const again = await deliver(body, signed(targets.main.key, body));
    expect({ status: again.status, body: again.body }).toEqual({
      status: 200,
      body: { status: 'duplicate' },
    });
    // Same id, different (validly signed) content: still the first one only.
    const changed = JSON.stringify({ ...env, payload: { name: targets.main.session, status: 'WORKING' } });
    const twisted = await deliver(changed, signed(targets.main.key, changed));
    expect(twisted.body).toEqual({ status: 'duplicate' });

    await sleep(300);
    const rows = await inbox(env.id as string);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload.payload.status).toBe('SCAN_QR_CODE');
    expect(dispatched.get(env.id as string)).toBe(1);
    expect((await deviceRow(targets.main.id))!.status).toBe('SCAN_QR_CODE');
  });

  it('rejects unsigned, tampered, re-serialised and non-sha512 deliveries with 401, storing nothing', async () => {
    const { key } = targets.main;
    const fresh = () => {
      const env = envelope(targets.main);
      return { id: env.id as string, env, body: JSON.stringify(env) };
    };

    // No signature header (or an empty one).
    let e = fresh();
    const { 'X-Webhook-Hmac': _omitted, ...unsigned } = signed(key, e.body);
    await expectRejected(e.body, unsigned, e.id);
    await expectRejected(e.body, { ...unsigned, 'X-Webhook-Hmac': '' }, e.id);
    await expectAccepted(e.body, signed(key, e.body), e.id); // control: the same body, signed, is fine

    // One flipped byte, signature of the original.
    e = fresh();
    const flipped = e.body.replace('"SCAN_QR_CODE"', '"SCAN_QR_CODF"');
    expect(flipped.length).toBe(e.body.length);
    expect([...flipped].filter((c, i) => c !== e.body[i])).toHaveLength(1);
    await expectRejected(flipped, signed(key, e.body), e.id);
    await expectAccepted(e.body, signed(key, e.body), e.id);

    // The same JSON with other whitespace: the signature covers the raw bytes, not the parsed value.
    e = fresh();
    const pretty = JSON.stringify(e.env, null, 2);
    await expectRejected(pretty, signed(key, e.body), e.id);
    await expectAccepted(pretty, signed(key, pretty), e.id); // signed as sent, any formatting is fine

    // The algorithm is pinned to sha512, never chosen by the header.
    e = fresh();
    await expectRejected(e.body, { ...signed(key, e.body), 'X-Webhook-Hmac-Algorithm': 'sha256' }, e.id);
    await expectRejected(
      e.body,
      { 'X-Webhook-Hmac': hmac(key, e.body, 'sha256'), 'X-Webhook-Hmac-Algorithm': 'sha256' },
      e.id,
    );
    await expectRejected(e.body, { 'X-Webhook-Hmac': hmac(key, e.body, 'sha256') }, e.id);
    // A truncated signature.
    await expectRejected(e.body, { 'X-Webhook-Hmac': hmac(key, e.body).slice(0, 64) }, e.id);
    await expectAccepted(e.body, signed(key, e.body), e.id);
  });

  it("refuses another tenant's key, a deleted or unknown device and a foreign session name (401)", async () => {
    const { main, other, gone } = targets;

    // Names A's device, signed with B's device key.
    let env = envelope(main);
    let body = JSON.stringify(env);
    await expectRejected(body, signed(other.key, body), env.id as string);
    // Names B's device, signed with A's key.
    env = envelope(other);
    body = JSON.stringify(env);
    await expectRejected(body, signed(main.key, body), env.id as string);
    // A deleted device, with its own (former) key.
    env = envelope(gone);
    body = JSON.stringify(env);
    await expectRejected(body, signed(gone.key, body), env.id as string);
    // A device id that exists nowhere.
    env = envelope(main, { metadata: { deviceId: randomUUID(), tenantId: a.id } });
    body = JSON.stringify(env);
    await expectRejected(body, signed(main.key, body), env.id as string);
    // No metadata at all.
    env = envelope(main, { metadata: null });
    body = JSON.stringify(env);
    await expectRejected(body, signed(main.key, body), env.id as string);
    // The right device and key, but a session that is not the device's.
    for (const session of [other.session, 'default']) {
      env = envelope(main, { session });
      body = JSON.stringify(env);
      await expectRejected(body, signed(main.key, body), env.id as string);
    }

    // Control: the same kind of event, named and signed correctly.
    env = envelope(main);
    body = JSON.stringify(env);
    await expectAccepted(body, signed(main.key, body), env.id as string);
  });

  it(`refuses a timestamp older than WAHA_WEBHOOK_MAX_AGE_SECONDS (replay), or far in the future`, async () => {
    const { main } = targets;
    for (const timestamp of [Date.now() - (MAX_AGE_SECONDS + 60) * 1000, Date.now() + 3_600_000]) {
      const env = statusEnvelope(main, 'SCAN_QR_CODE', timestamp);
      const body = JSON.stringify(env);
      await expectRejected(body, signed(main.key, body), env.id as string);
    }
    // Inside the window (a late WAHA retry) is fine.
    const late = statusEnvelope(main, 'SCAN_QR_CODE', Date.now() - (MAX_AGE_SECONDS / 2) * 1000);
    const body = JSON.stringify(late);
    await expectAccepted(body, signed(main.key, body), late.id as string);
  });

  it('50 concurrent identical deliveries of a new event: one row and exactly one effect', async () => {
    const { crowd } = targets;
    const me = { id: '4915100000555@c.us', pushName: 'Crowd' };
    const env = statusEnvelope(crowd, 'WORKING', Date.now(), me);
    const body = JSON.stringify(env);
    const headers = signed(crowd.key, body);
    const before = statusEvents.length;

    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(body, headers)));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    const outcomes = answers.map((r) => r.body.status as string);
    expect(outcomes.filter((s) => s === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((s) => s === 'duplicate')).toHaveLength(49);

    expect(await inbox(env.id as string)).toHaveLength(1);
    await processed(env.id as string);
    const device = await waitForStatus(t, a.users.editor.token, crowd.id, 'WORKING');
    expect(device.phoneNumber).toBe('4915100000555');
    await sleep(500); // room for any second effect to show up
    expect(dispatched.get(env.id as string)).toBe(1);
    const changes = statusEvents.slice(before).filter((e) => e.deviceId === crowd.id);
    expect(changes.map((e) => e.status)).toEqual(['WORKING']);
  });

  it('a signed session.status moves the device; an older event arriving later does not move it back', async () => {
    const { order } = targets;
    const t2 = Date.now();
    const working = statusEnvelope(order, 'WORKING', t2, { id: '4915100000556@c.us', pushName: 'Order' });
    let body = JSON.stringify(working);
    await expectAccepted(body, signed(order.key, body), working.id as string);
    await waitForStatus(t, a.users.editor.token, order.id, 'WORKING');

    const starting = statusEnvelope(order, 'STARTING', t2 - 5000);
    body = JSON.stringify(starting);
    await expectAccepted(body, signed(order.key, body), starting.id as string);
    await processed(starting.id as string);
    expect(dispatched.get(starting.id as string)).toBe(1); // handled, and ignored as stale

    const row = (await deviceRow(order.id))!;
    expect(row.status).toBe('WORKING');
    expect(row.status_event_at!.getTime()).toBe(t2);
    const api = await t.http().get(`/whatsapp/devices/${order.id}`).set(bearer(a.users.editor.token));
    expect(api.body).toMatchObject({ status: 'WORKING', phoneNumber: '4915100000556' });
  });
});
