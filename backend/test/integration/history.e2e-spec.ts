/**
 * Chat history: inbound webhooks stored once (also for groups and `@lid` senders), history sync merged by
 * WhatsApp id, the chat list, a chat's history, the message log's filters and its keyset pagination
 * (DESIGN.md "Reads that stay fast").
 */
import { randomBytes } from 'node:crypto';
import type { RunningEmulator } from 'waha-emulator';
import { HistorySyncService } from '../../src/modules/messaging/history-sync.service';
import { TestApp } from '../utils/app';
import { linkDevice, LinkedDevice } from '../utils/devices';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { DONE, FAST_SENDING, postSend, sleep, waitForMessage } from '../utils/messaging';
import { ownerQuery } from '../utils/owner-db';
import { deviceRow, startWahaApp, wahaEnv } from '../utils/waha-devices';
import { emulatorCall, eventually, startTestEmulator } from '../utils/waha';

interface MessageItem {
  id: string;
  deviceId: string;
  chatId: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: string;
  source: string;
  senderId: string | null;
  waMessageId: string | null;
  createdAt: string;
}

interface ChatItem {
  chatId: string;
  deviceId: string;
  name: string | null;
  lastMessage: MessageItem | null;
}

const unique = (label: string) => `${label} ${randomBytes(4).toString('hex')}`;

describe('Chat history', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;
  let device: LinkedDevice;
  let session: string;
  /** Resolves each time a history sync of the app finishes. */
  let syncs: Promise<number>[];

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS', contacts: 12, groups: 2, ackDelayMs: 20 });
    t = await startWahaApp(wahaEnv(emulator, FAST_SENDING));
    syncs = [];
    const history = t.app.get(HistorySyncService);
    const original = history.sync.bind(history);
    jest.spyOn(history, 'sync').mockImplementation((d) => {
      const run = original(d);
      syncs.push(run);
      return run;
    });
    tenant = await createTenant(t);
    device = await linkDevice(t, emulator, tenant.users.editor.token, '4915100004001');
    session = (await deviceRow(device.id))!.session_name;
    await eventually(async () => syncs.length > 0, 10_000);
    await syncs[0];
  }, 40_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
    await emulator?.close();
  });

  const token = () => tenant.users.editor.token;
  const get = (path: string) => t.http().get(path).set(bearer(token()));
  const inbound = async (body: Record<string, unknown>) => {
    const res = await emulatorCall<{ id: string }>(emulator, 'POST', '/emulator/inbound', {
      to: device.phoneNumber,
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const rowsByWaId = (waId: string) =>
    ownerQuery<{ id: string; chat_id: string; sender_id: string | null; source: string; body: string }>(
      `SELECT id, chat_id, sender_id, source, body FROM messages WHERE tenant_id = $1 AND wa_message_id = $2`,
      [tenant.id, waId],
    );
  const storedOnce = async (waId: string) => {
    const rows = await eventually(async () => {
      const found = await rowsByWaId(waId);
      return found.length ? found : null;
    });
    await sleep(400); // the repeated deliveries have been processed by now
    const again = await rowsByWaId(waId);
    expect(again).toHaveLength(1);
    return rows[0]!;
  };
  /** The emulator's contacts of this device: a person listed by phone, and one listed by `@lid` only. */
  const people = async () => {
    const all = await emulatorCall<{ id: string }[]>(emulator, 'GET', `/api/contacts/all?session=${session}`);
    const byPhone = all.body.find((c) => c.id.endsWith('@c.us'))!;
    const lidOnly = all.body.find((c) => c.id.endsWith('@lid'))!;
    const mapping = await emulatorCall<{ pn: string }>(
      emulator,
      'GET',
      `/api/${session}/lids/${encodeURIComponent(lidOnly.id)}`,
    );
    return { phoneChat: byPhone.id, lid: lidOnly.id, lidPhoneChat: mapping.body.pn };
  };

  describe('inbound webhooks', () => {
    it('stores a message delivered three times once', async () => {
      const text = unique('hello thrice');
      const waId = await inbound({ from: '4915199990001', text, repeat: 3 });
      const row = await storedOnce(waId);
      expect(row).toMatchObject({
        chat_id: '4915199990001@c.us',
        sender_id: null,
        source: 'live',
        body: text,
      });
    });

    it('stores a group message once, with the group as chat and the participant as sender', async () => {
      const groups = await eventually(async () => {
        const res = await get('/groups');
        return res.body.items?.length ? (res.body.items as { chatId: string }[]) : null;
      });
      const { phoneChat } = await people();
      const text = unique('group hello');
      const waId = await inbound({ from: groups[0]!.chatId, participant: phoneChat, text, repeat: 3 });
      const row = await storedOnce(waId);
      expect(row).toMatchObject({ chat_id: groups[0]!.chatId, sender_id: phoneChat, body: text });
      const api = await get(`/messages/${row.id}`);
      expect(api.body).toMatchObject({
        chatId: groups[0]!.chatId,
        senderId: phoneChat,
        direction: 'inbound',
        status: 'received',
      });
    });

    it('resolves a sender known only by @lid to the phone number, in a chat and as a group participant', async () => {
      const { lid, lidPhoneChat } = await people();
      expect(lidPhoneChat).toMatch(/^\d+@c\.us$/);
      const text = unique('from a lid');
      const row = await storedOnce(await inbound({ from: lid, text, repeat: 3 }));
      expect(row).toMatchObject({ chat_id: lidPhoneChat, sender_id: null });

      const groups = (await get('/groups')).body.items as { chatId: string }[];
      const inGroup = await storedOnce(
        await inbound({ from: groups[1]!.chatId, participant: lid, text: unique('lid in group'), repeat: 2 }),
      );
      expect(inGroup).toMatchObject({ chat_id: groups[1]!.chatId, sender_id: lidPhoneChat });

      // One person, one contact: found by the digits of the number, carrying the number.
      const digits = lidPhoneChat.replace('@c.us', '');
      const contacts = await get(`/contacts?search=${digits}`);
      expect(contacts.status).toBe(200);
      expect(contacts.body.items).toEqual([
        expect.objectContaining({ chatId: lidPhoneChat, phoneNumber: digits, deviceId: device.id }),
      ]);
      const stored = await ownerQuery<{ chat_id: string; lid: string | null }>(
        `SELECT chat_id, lid FROM contacts WHERE tenant_id = $1 AND (chat_id = $2 OR lid = $3)`,
        [tenant.id, lidPhoneChat, lid],
      );
      expect(stored).toEqual([{ chat_id: lidPhoneChat, lid }]);
      // The chat is listed under the number, not under the lid.
      const chats = (await get('/chats?limit=100')).body.items as ChatItem[];
      expect(chats.map((c) => c.chatId)).toContain(lidPhoneChat);
      expect(chats.map((c) => c.chatId)).not.toContain(lid);
    });
  });

  describe('history sync', () => {
    it('merges history by WhatsApp id: what was missed arrives, nothing is stored twice', async () => {
      // A message whose webhooks were lost ('message' and 'message.any'): only a sync can bring it in.
      await emulatorCall(emulator, 'POST', '/emulator/faults', { webhooks: { dropNext: 2 } });
      const missedText = unique('missed live');
      const missedId = await inbound({ from: '4915199990002', text: missedText });
      await sleep(300);
      await emulatorCall(emulator, 'DELETE', '/emulator/faults');
      expect(await rowsByWaId(missedId)).toEqual([]);
      // One sent through us, already stored with its WhatsApp id.
      const sentText = unique('sent before sync');
      const sent = await postSend(t, token(), { to: '+4915199990002', text: sentText });
      await waitForMessage(sent.body.id, DONE);
      const before = await ownerQuery<{ n: string }>(
        `SELECT count(*) AS n FROM messages WHERE tenant_id = $1`,
        [tenant.id],
      );

      const synced = syncs.length;
      const res = await t.http().post(`/whatsapp/devices/${device.id}/sync`).set(bearer(token()));
      expect(res.status).toBe(202);
      await eventually(async () => syncs.length > synced, 10_000);
      const stored = await syncs[synced];
      expect(stored).toBe(1);

      const missed = await rowsByWaId(missedId);
      expect(missed).toEqual([expect.objectContaining({ source: 'history', body: missedText })]);
      const after = await ownerQuery<{ n: string }>(
        `SELECT count(*) AS n FROM messages WHERE tenant_id = $1`,
        [tenant.id],
      );
      expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);
      const twice = await ownerQuery(
        `SELECT wa_message_id, count(*) FROM messages WHERE tenant_id = $1 AND wa_message_id IS NOT NULL
         GROUP BY wa_message_id HAVING count(*) > 1`,
        [tenant.id],
      );
      expect(twice).toEqual([]);
      const ours = await ownerQuery(`SELECT id, source FROM messages WHERE tenant_id = $1 AND body = $2`, [
        tenant.id,
        sentText,
      ]);
      expect(ours).toEqual([{ id: sent.body.id, source: 'api' }]);
    });
  });

  describe('chats', () => {
    const chat = '4915199990003@c.us';
    const texts = { first: unique('out 1'), reply: unique('in reply'), second: unique('out 2') };

    beforeAll(async () => {
      // Seconds apart: WhatsApp timestamps received messages to the second.
      const first = await postSend(t, token(), { to: chat, text: texts.first });
      await waitForMessage(first.body.id, DONE);
      await sleep(1100);
      await storedOnce(await inbound({ from: chat, text: texts.reply }));
      await sleep(1100);
      const second = await postSend(t, token(), { to: chat, text: texts.second });
      await waitForMessage(second.body.id, DONE);
    });

    it("lists the chats, most recent first, with each one's last message and name", async () => {
      const res = await get('/chats?limit=100');
      expect(res.status).toBe(200);
      const items = res.body.items as ChatItem[];
      expect(items[0]).toMatchObject({
        chatId: chat,
        deviceId: device.id,
        lastMessage: { body: texts.second, direction: 'outbound' },
      });
      const times = items.map((c) => Date.parse(c.lastMessage!.createdAt));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      // Names come from the directory: contacts by name, groups by subject; unknown numbers have none.
      const groups = (await get('/groups')).body.items as { chatId: string; name: string }[];
      for (const group of groups) {
        expect(items.find((c) => c.chatId === group.chatId)?.name).toBe(group.name);
      }
      const contacts = new Map(
        ((await get('/contacts?limit=100')).body.items as { chatId: string; name: string }[]).map((c) => [
          c.chatId,
          c.name,
        ]),
      );
      const withContact = items.filter((c) => contacts.has(c.chatId));
      expect(withContact.length).toBeGreaterThanOrEqual(3); // the emulator's seeded chats with contacts
      for (const item of withContact)
        expect([item.chatId, item.name]).toEqual([item.chatId, contacts.get(item.chatId)]);
      expect(items.find((c) => c.chatId === chat)!.name).toBeNull();
      for (const item of items) {
        const check = await get(`/chats/${encodeURIComponent(item.chatId)}/messages?limit=1`);
        expect(check.body.items[0].id).toBe(item.lastMessage!.id);
      }
    });

    it("gives a chat's history newest first, in both directions", async () => {
      const res = await get(`/chats/${encodeURIComponent(chat)}/messages`);
      expect(res.status).toBe(200);
      const items = res.body.items as MessageItem[];
      expect(items.map((m) => [m.body, m.direction])).toEqual([
        [texts.second, 'outbound'],
        [texts.reply, 'inbound'],
        [texts.first, 'outbound'],
      ]);
      expect(items.every((m) => m.chatId === chat)).toBe(true);
      const scoped = await get(`/chats/${encodeURIComponent(chat)}/messages?deviceId=${device.id}&limit=2`);
      expect(scoped.body.items.map((m: MessageItem) => m.body)).toEqual([texts.second, texts.reply]);
      expect(scoped.body.nextCursor).toEqual(expect.any(String));
      const next = await get(
        `/chats/${encodeURIComponent(chat)}/messages?limit=2&cursor=${scoped.body.nextCursor}`,
      );
      expect(next.body.items[0].body).toBe(texts.first);
    });

    it('answers 400 for bad page parameters on the chat endpoints', async () => {
      for (const path of [
        '/chats?limit=101',
        '/chats?limit=0',
        '/chats?cursor=not-a-cursor',
        `/chats?cursor=${Buffer.from('{"t":"x"}').toString('base64url')}`,
        '/chats?deviceId=nope',
        `/chats/${encodeURIComponent(chat)}/messages?limit=101`,
        `/chats/${encodeURIComponent(chat)}/messages?cursor=garbage`,
      ]) {
        const res = await get(path);
        expect([path, res.status]).toEqual([path, 400]);
      }
    });
  });

  describe('message log', () => {
    const all = async (query: string): Promise<MessageItem[]> => {
      const res = await get(`/messages?limit=100&${query}`);
      expect([query, res.status]).toEqual([query, 200]);
      return res.body.items as MessageItem[];
    };

    it('filters by device, chat, direction, status and time', async () => {
      const everything = await all('');
      expect(everything.length).toBeGreaterThan(20);
      expect(await all(`deviceId=${device.id}`)).toHaveLength(everything.length);

      const chat = '4915199990003@c.us';
      const inChat = await all(`chatId=${encodeURIComponent(chat)}`);
      expect(inChat.length).toBeGreaterThanOrEqual(3);
      expect(inChat.every((m) => m.chatId === chat)).toBe(true);
      expect(inChat).toHaveLength(everything.filter((m) => m.chatId === chat).length);

      for (const direction of ['inbound', 'outbound']) {
        const items = await all(`direction=${direction}`);
        expect(items.length).toBeGreaterThan(0);
        expect(items).toHaveLength(everything.filter((m) => m.direction === direction).length);
      }
      const received = await all('status=received');
      expect(received.length).toBeGreaterThan(0);
      expect(received).toHaveLength(everything.filter((m) => m.status === 'received').length);
      const combined = await all(`direction=outbound&status=read&chatId=${encodeURIComponent(chat)}`);
      expect(
        combined.every((m) => m.direction === 'outbound' && m.status === 'read' && m.chatId === chat),
      ).toBe(true);

      // since is inclusive, until exclusive.
      const pivot = everything[Math.floor(everything.length / 2)]!.createdAt;
      const since = await all(`since=${encodeURIComponent(pivot)}`);
      const until = await all(`until=${encodeURIComponent(pivot)}`);
      expect(since.every((m) => m.createdAt >= pivot)).toBe(true);
      expect(until.every((m) => m.createdAt < pivot)).toBe(true);
      expect(since.length + until.length).toBe(everything.length);
      const window = await all(`since=${encodeURIComponent(pivot)}&until=${encodeURIComponent(pivot)}`);
      expect(window).toEqual([]);
    });

    it.each([
      'deviceId=not-a-uuid',
      'direction=sideways',
      'status=delivered-ish',
      'since=yesterday',
      'until=2026-13-45T00:00:00Z',
      'limit=0',
      'limit=101',
      'limit=ten',
      'cursor=%7B%7D',
      'cursor=not-base64-json',
      `cursor=${Buffer.from(JSON.stringify({ t: '2026-01-01T00:00:00Z', i: 'x' })).toString('base64url')}`,
      'tenantId=00000000-0000-0000-0000-000000000000',
    ])('answers 400 for %s', async (query) => {
      const res = await get(`/messages?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.anything() });
    });

    it('walks every message exactly once with limit=3, even while new messages arrive', async () => {
      await sleep(1100); // nothing created in the current second: inbound timestamps have one-second resolution
      const snapshot = (
        await ownerQuery<{ id: string }>(`SELECT id FROM messages WHERE tenant_id = $1`, [tenant.id])
      ).map((r) => r.id);
      const seen: MessageItem[] = [];
      const inserted: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/messages?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...(res.body.items as MessageItem[]));
        cursor = res.body.nextCursor;
        pages++;
        if (pages % 3 === 1) {
          // New messages between page requests: sent ones and received ones.
          const sent = await postSend(t, token(), {
            to: '+4915199990004',
            text: unique(`mid-walk ${pages}`),
          });
          inserted.push(sent.body.id);
          const waId = await inbound({ from: '4915199990005', text: unique(`mid-walk in ${pages}`) });
          inserted.push((await storedOnce(waId)).id);
        }
      } while (cursor);

      const ids = seen.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length); // no duplicates
      expect([...ids].sort()).toEqual([...snapshot].sort()); // no skips, and nothing that arrived meanwhile
      expect(ids.some((id) => inserted.includes(id))).toBe(false);
      const keys = seen.map((m) => `${m.createdAt} ${m.id}`);
      expect([...keys].sort().reverse()).toEqual(keys); // newest first, ties by id
      expect(pages).toBe(Math.ceil(snapshot.length / 3));
    });
  });
});
