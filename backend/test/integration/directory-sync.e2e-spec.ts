/**
 * Directory: a 10,000-contact address book synced with bulk upserts (a bounded number of SQL statements),
 * contact search and keyset pagination, groups with participants, group.v2 events, and the Redis cache of the
 * hot first pages with its invalidation (DESIGN.md "Reads that stay fast").
 */
import Redis from 'ioredis';
import type { RunningEmulator } from 'waha-emulator';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { DeviceSyncProcessor } from '../../src/modules/messaging/device-sync.processor';
import { TestApp } from '../utils/app';
import { linkDevice, LinkedDevice } from '../utils/devices';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';
import { deviceRow, startWahaApp, wahaEnv } from '../utils/waha-devices';
import { emulatorCall, eventually, startTestEmulator } from '../utils/waha';

const CONTACTS = 10_000;
/** Ten pages of 1,000 contacts and a few groups: a handful of statements each, never one per contact. */
const MAX_STATEMENTS = 100;

interface ContactItem {
  id: string;
  deviceId: string;
  chatId: string;
  phoneNumber: string | null;
  name: string | null;
}

interface GroupItem {
  id: string;
  deviceId: string;
  chatId: string;
  name: string | null;
  participants: { chatId: string; phoneNumber: string | null; isAdmin: boolean }[];
}

describe('Directory sync and reads', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;
  let device: LinkedDevice;
  let session: string;
  let redis: Redis;
  let prefix: string;
  /** One promise per device sync job the app ran. */
  const syncJobs: Promise<void>[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS', contacts: 25, groups: 3, ackDelayMs: 20 });
    const config = await emulatorCall(emulator, 'POST', '/emulator/config', { contacts: CONTACTS });
    expect(config.status).toBe(200);
    // History sync off: this suite measures the directory part of a sync alone.
    t = await startWahaApp(wahaEnv(emulator, { HISTORY_SYNC_CHATS: '0' }));
    const processor = t.app.get(DeviceSyncProcessor);
    const process = processor.process.bind(processor);
    jest.spyOn(processor, 'process').mockImplementation((job) => {
      const run = process(job);
      syncJobs.push(run);
      return run;
    });
    // No keyPrefix on this client: key names below are written out in full.
    redis = new Redis(t.config.redis.url);
    prefix = t.config.redis.keyPrefix;
    tenant = await createTenant(t);
    device = await linkDevice(t, emulator, tenant.users.editor.token, '4915100005001');
    session = (await deviceRow(device.id))!.session_name;
    await eventually(async () => syncJobs.length > 0, 10_000);
    await syncJobs[0];
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    redis?.disconnect();
    await t?.close();
    await emulator?.close();
  });

  const get = (path: string) => t.http().get(path).set(bearer(tenant.users.editor.token));
  const version = () => redis.get(`${prefix}dir:${tenant.id}:ver`);
  const storedContacts = async () =>
    Number(
      (
        await ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM contacts WHERE device_id = $1`, [
          device.id,
        ])
      )[0]!.n,
    );

  /** POST /whatsapp/devices/:id/sync and wait for the job; returns the SQL statements issued meanwhile. */
  const syncCountingStatements = async (): Promise<string[]> => {
    const statements: string[] = [];
    const original = PostgresQueryRunner.prototype.query;
    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
      this: PostgresQueryRunner,
      ...args: Parameters<typeof original>
    ) {
      statements.push(String(args[0]).replace(/\s+/g, ' ').slice(0, 80));
      return original.apply(this, args);
    });
    try {
      const jobs = syncJobs.length;
      const res = await t
        .http()
        .post(`/whatsapp/devices/${device.id}/sync`)
        .set(bearer(tenant.users.editor.token));
      expect(res.status).toBe(202);
      await eventually(async () => syncJobs.length > jobs, 10_000);
      await syncJobs[jobs];
    } finally {
      spy.mockRestore();
    }
    return statements;
  };

  it(`stores all ${CONTACTS} contacts with a bounded number of SQL statements`, async () => {
    expect(await storedContacts()).toBe(CONTACTS);
    const statements = await syncCountingStatements();
    const upserts = statements.filter((s) => s.includes('INSERT INTO contacts'));
    console.log(
      `[directory-sync] ${statements.length} SQL statements for a sync of ${CONTACTS} contacts ` +
        `(${upserts.length} contact upserts)`,
    );
    expect(upserts).toHaveLength(CONTACTS / 1000);
    expect(statements.length).toBeLessThanOrEqual(MAX_STATEMENTS);
    expect(await storedContacts()).toBe(CONTACTS);
    // Contacts WAHA lists by @lid only are stored under their phone number, with the lid kept.
    const [lids] = await ownerQuery<{ n: string; unresolved: string }>(
      `SELECT count(*) FILTER (WHERE lid IS NOT NULL) AS n, count(*) FILTER (WHERE chat_id LIKE '%@lid') AS unresolved
       FROM contacts WHERE device_id = $1`,
      [device.id],
    );
    expect(Number(lids!.n)).toBe(CONTACTS / 5);
    expect(Number(lids!.unresolved)).toBe(0);
  }, 40_000);

  describe('contacts', () => {
    it('finds contacts by a fragment of the name, case-insensitively', async () => {
      const res = await get('/contacts?search=WEBER&limit=100');
      expect(res.status).toBe(200);
      const items = res.body.items as ContactItem[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((c) => /weber/i.test(c.name ?? ''))).toBe(true);
      const [expected] = await ownerQuery<{ n: string }>(
        `SELECT count(*) AS n FROM contacts WHERE device_id = $1 AND (sort_name LIKE '%weber%' OR phone_number LIKE '%weber%')`,
        [device.id],
      );
      let total = items.length;
      let cursor = res.body.nextCursor as string | null;
      while (cursor) {
        const next = await get(`/contacts?search=weber&limit=100&cursor=${cursor}`);
        total += next.body.items.length;
        cursor = next.body.nextCursor;
      }
      expect(total).toBe(Number(expected!.n));
    });

    it('finds a contact by digits of its phone number', async () => {
      const [row] = await ownerQuery<{ id: string; phone_number: string }>(
        `SELECT id, phone_number FROM contacts WHERE device_id = $1 ORDER BY id LIMIT 1 OFFSET 4321`,
        [device.id],
      );
      const res = await get(`/contacts?search=${row!.phone_number.slice(-9)}`);
      expect(res.status).toBe(200);
      expect((res.body.items as ContactItem[]).map((c) => c.id)).toContain(row!.id);
      expect(
        (res.body.items as ContactItem[]).every((c) => c.phoneNumber!.includes(row!.phone_number.slice(-9))),
      ).toBe(true);
      const none = await get('/contacts?search=%25');
      expect(none.status).toBe(200);
      expect(none.body.items).toEqual([]); // LIKE wildcards in the search are literal
    });

    it('walks all contacts with keyset pagination, each exactly once, in name order', async () => {
      const ids: string[] = [];
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        for (const c of res.body.items as ContactItem[]) {
          ids.push(c.id);
          names.push((c.name ?? '').toLowerCase());
        }
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(ids).toHaveLength(CONTACTS);
      expect(new Set(ids).size).toBe(CONTACTS);
      for (let i = 1; i < names.length; i++) {
        if (names[i - 1]! > names[i]!) throw new Error(`out of order at ${i}: ${names[i - 1]} > ${names[i]}`);
      }
    }, 30_000);

    it('answers 400 for bad search and page parameters', async () => {
      for (const path of [
        '/contacts?limit=101',
        '/contacts?cursor=garbage',
        `/contacts?search=${'x'.repeat(65)}`,
        '/contacts?deviceId=nope',
        '/groups?limit=101',
      ]) {
        const res = await get(path);
        expect([path, res.status]).toEqual([path, 400]);
      }
    });
  });

  describe('groups', () => {
    it('lists groups with their participants and admin flags', async () => {
      const res = await get('/groups');
      expect(res.status).toBe(200);
      const groups = res.body.items as GroupItem[];
      expect(groups).toHaveLength(3);
      for (const group of groups) {
        const wahaRes = await emulatorCall<{ id: string; pn: string | null; role: string }[]>(
          emulator,
          'GET',
          `/api/${session}/groups/${encodeURIComponent(group.chatId)}/participants/v2`,
        );
        const expected = wahaRes.body
          .map((p) => [p.pn ?? p.id, p.role === 'admin' || p.role === 'superadmin'] as const)
          .sort();
        const actual = group.participants.map((p) => [p.chatId, p.isAdmin] as const).sort();
        expect([group.name, actual]).toEqual([group.name, expected]);
        expect(group.participants.some((p) => p.isAdmin)).toBe(true);
        expect(group.participants.every((p) => p.phoneNumber === p.chatId.replace('@c.us', ''))).toBe(true);
      }
    });

    it('follows group.v2 events: join, update, participants join/promote/leave, leave', async () => {
      const groupEvent = async (body: Record<string, unknown>) => {
        const res = await emulatorCall(emulator, 'POST', '/emulator/group-event', {
          phoneNumber: device.phoneNumber,
          ...body,
        });
        expect(res.status).toBe(200);
      };
      const find = async (search: string) =>
        ((await get(`/groups?search=${encodeURIComponent(search)}`)).body.items as GroupItem[])[0];
      const members = (
        await ownerQuery<{ chat_id: string }>(
          `SELECT chat_id FROM contacts WHERE device_id = $1 AND chat_id LIKE '%@c.us' ORDER BY id LIMIT 3`,
          [device.id],
        )
      ).map((r) => r.chat_id);
      const groupId = '120363099900011122@g.us';

      await groupEvent({ type: 'join', groupId, subject: 'Launch Crew', participants: members.slice(0, 2) });
      const joined = await eventually(() => find('launch crew'));
      expect(joined.chatId).toBe(groupId);
      const me = `${device.phoneNumber}@c.us`;
      expect(joined.participants.map((p) => p.chatId).sort()).toEqual([me, ...members.slice(0, 2)].sort());

      await groupEvent({ type: 'update', groupId, subject: 'Rocket Crew' });
      expect((await eventually(() => find('rocket crew'))).chatId).toBe(groupId);
      expect(await find('launch crew')).toBeUndefined();

      await groupEvent({ type: 'participants', groupId, action: 'join', participants: [members[2]] });
      const added = await eventually(async () => {
        const g = await find('rocket');
        return g?.participants.find((p) => p.chatId === members[2]) ? g : null;
      });
      expect(added.participants.find((p) => p.chatId === members[2])!.isAdmin).toBe(false);

      await groupEvent({ type: 'participants', groupId, action: 'promote', participants: [members[2]] });
      await eventually(
        async () =>
          (await find('rocket'))?.participants.find((p) => p.chatId === members[2])?.isAdmin === true,
      );

      await groupEvent({ type: 'participants', groupId, action: 'leave', participants: [members[0]] });
      const left = await eventually(async () => {
        const g = await find('rocket');
        return g && !g.participants.some((p) => p.chatId === members[0]) ? g : null;
      });
      expect(left.participants.map((p) => p.chatId).sort()).toEqual([me, members[1], members[2]].sort());

      // The cached first page follows too: every group event invalidates it.
      expect(((await get('/groups')).body.items as GroupItem[]).map((g) => g.chatId)).toContain(groupId);
      await groupEvent({ type: 'leave', groupId });
      await eventually(async () => (await find('rocket')) === undefined);
      await eventually(async () =>
        ((await get('/groups')).body.items as GroupItem[]).every((g) => g.chatId !== groupId),
      );
    });
  });

  describe('cache of the hot first page', () => {
    it('serves the first page from Redis until a sync bumps the tenant version', async () => {
      const first = await get('/contacts');
      expect(first.status).toBe(200);
      const before = await version();
      expect(before).not.toBeNull();
      const keys = await redis.keys(`${prefix}dir:${tenant.id}:contacts:50:${before}:*`);
      expect(keys).toHaveLength(1);

      // A contact that sorts first, written behind the API's back: the cached page does not show it yet.
      await ownerQuery(
        `INSERT INTO contacts (tenant_id, device_id, chat_id, phone_number, name, sort_name)
         VALUES ($1, $2, '4915100009999@c.us', '4915100009999', 'Aaron Aardvark', 'aaron aardvark')`,
        [tenant.id, device.id],
      );
      const cached = await get('/contacts');
      expect(cached.body).toEqual(first.body);
      const uncached = await get('/contacts?search=aardvark');
      expect(uncached.body.items.map((c: ContactItem) => c.name)).toEqual(['Aaron Aardvark']);

      await syncCountingStatements();
      const after = await version();
      expect(Number(after)).toBeGreaterThan(Number(before));
      const fresh = await get('/contacts');
      expect(fresh.body.items[0]).toMatchObject({ name: 'Aaron Aardvark', phoneNumber: '4915100009999' });
      expect(await redis.keys(`${prefix}dir:${tenant.id}:contacts:50:${after}:*`)).toHaveLength(1);
    }, 30_000);

    it("keeps tenants' caches apart: another tenant's first page is its own", async () => {
      const other = await createTenant(t);
      const res = await t.http().get('/contacts').set(bearer(other.users.admin.token));
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
      expect(await redis.keys(`${prefix}dir:${other.id}:contacts:*`)).toHaveLength(1);
    });
  });
});
