import { emulator, Receiver, type TestEmulator } from './helpers';

interface Contact {
  id: string;
  name: string;
  pushname: string;
}

const PHONE_A = '4915190000001';
const PHONE_B = '4915190000002';

describe('directory: contacts, lids, groups, chats, history', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await emulator();
    await emu.client.pairedSession('a', PHONE_A);
    await emu.client.pairedSession('b', PHONE_B);
  });
  afterAll(() => emu.close());

  it('lists 25 GOWS-shaped contacts as a plain array, every 5th known only by @lid', async () => {
    const res = await emu.client.get('/api/contacts/all?session=a');
    expect(res.statusCode).toBe(200);
    const contacts = res.data as Contact[];
    expect(contacts).toHaveLength(25);
    for (const contact of contacts) {
      expect(Object.keys(contact).sort()).toEqual(['id', 'name', 'pushname']);
      expect(contact.id).toMatch(/^(\d+@c\.us|\d{15}@lid)$/);
    }
    expect(contacts.filter((c) => c.id.endsWith('@lid'))).toHaveLength(5);
    expect(new Set(contacts.map((c) => c.id)).size).toBe(25);
  });

  it('is deterministic per phone number and differs between phone numbers', async () => {
    const a1 = (await emu.client.get('/api/contacts/all?session=a')).data as Contact[];
    const a2 = (await emu.client.get('/api/contacts/all?session=a')).data as Contact[];
    const b = (await emu.client.get('/api/contacts/all?session=b')).data as Contact[];
    expect(a2).toEqual(a1);
    expect(b.map((c) => c.id)).not.toEqual(a1.map((c) => c.id));
    // Re-pairing the same phone on another session yields the same directory.
    await emu.client.pairedSession('a2', PHONE_A);
    expect((await emu.client.get('/api/contacts/all?session=a2')).data).toEqual(a1);
    // Seeded history keeps its message ids too.
    const chat = encodeURIComponent(a1[0].id);
    const ids = async (session: string): Promise<string[]> =>
      ((await emu.client.get(`/api/${session}/chats/${chat}/messages`)).data as Array<{ id: string }>).map(
        (m) => m.id,
      );
    expect(await ids('a2')).toEqual(await ids('a'));
    expect((await ids('a')).length).toBeGreaterThan(0);
    await emu.client.delete('/api/sessions/a2');
  });

  it('paginates and sorts contacts', async () => {
    const all = (await emu.client.get('/api/contacts/all?session=a&sortBy=id')).data as Contact[];
    const ids = all.map((c) => c.id);
    expect([...ids].sort()).toEqual(ids);
    const page = (await emu.client.get('/api/contacts/all?session=a&sortBy=id&limit=10&offset=10'))
      .data as Contact[];
    expect(page).toEqual(all.slice(10, 20));
    const desc = (await emu.client.get('/api/contacts/all?session=a&sortBy=id&sortOrder=desc&limit=3'))
      .data as Contact[];
    expect(desc).toEqual([...all].reverse().slice(0, 3));
    const byName = (await emu.client.get('/api/contacts/all?session=a&sortBy=name')).data as Contact[];
    const names = byName.map((c) => c.name);
    expect([...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(names);
    const bad = await emu.client.get('/api/contacts/all?session=a&sortBy=phone&limit=-1');
    expect(bad.statusCode).toBe(400);
  });

  it('resolves lids to phone numbers and back', async () => {
    const contacts = (await emu.client.get('/api/contacts/all?session=a')).data as Contact[];
    const lidOnly = contacts.find((c) => c.id.endsWith('@lid')) as Contact;
    const resolved = await emu.client.get(`/api/a/lids/${encodeURIComponent(lidOnly.id)}`);
    expect(resolved.statusCode).toBe(200);
    const { lid, pn } = resolved.data as { lid: string; pn: string };
    expect(lid).toBe(lidOnly.id);
    expect(pn).toMatch(/^\d+@c\.us$/);
    const bare = await emu.client.get(`/api/a/lids/${lidOnly.id.replace('@lid', '')}`);
    expect(bare.data).toEqual({ lid, pn });
    const back = await emu.client.get(`/api/a/lids/pn/${pn.replace('@c.us', '')}`);
    expect(back.data).toEqual({ lid, pn });
    expect((await emu.client.get('/api/a/lids/999999999999999@lid')).data).toEqual({
      lid: '999999999999999@lid',
      pn: null,
    });
    const invalid = await emu.client.get('/api/a/lids/123@c.us');
    expect(invalid.statusCode).toBe(422);
    expect((invalid.data as { message: string }).message).toBe('Invalid LID - it must end with @lid');
    expect((await emu.client.get('/api/a/lids/count')).data).toEqual({ count: 25 });
    const page = (await emu.client.get('/api/a/lids?limit=5&offset=5')).data as Array<{
      lid: string;
      pn: string;
    }>;
    expect(page).toHaveLength(5);
    const lids = page.map((item) => item.lid);
    expect([...lids].sort()).toEqual(lids);
  });

  it('checks numbers (exists unless it ends in 0000)', async () => {
    expect((await emu.client.get('/api/contacts/check-exists?session=a&phone=4915123456789')).data).toEqual({
      numberExists: true,
      chatId: '4915123456789@c.us',
    });
    expect(
      (await emu.client.get('/api/contacts/check-exists?session=a&phone=%2B4915123450000')).data,
    ).toEqual({
      numberExists: false,
      chatId: '4915123450000@c.us',
    });
  });

  it('lists groups in GOWS PascalCase with participants, count, refresh (200) and one group', async () => {
    const res = await emu.client.get('/api/a/groups');
    const groups = res.data as Array<
      Record<string, unknown> & { JID: string; Participants: Array<Record<string, unknown>> }
    >;
    expect(groups).toHaveLength(3);
    for (const group of groups) {
      expect(group).toMatchObject({
        JID: expect.stringMatching(/^\d+@g\.us$/),
        Name: expect.any(String),
        Topic: expect.any(String),
        OwnerJID: expect.stringMatching(/@s\.whatsapp\.net$/),
        GroupCreated: expect.any(String),
      });
      const me = group.Participants.find((p) => p.IsSuperAdmin === true);
      expect(me).toBeDefined();
      for (const participant of group.Participants) {
        expect(participant).toEqual(
          expect.objectContaining({
            JID: expect.any(String),
            PhoneNumber: expect.any(String),
            LID: expect.any(String),
            IsAdmin: expect.any(Boolean),
            IsSuperAdmin: expect.any(Boolean),
          }),
        );
      }
    }
    const slim = (await emu.client.get('/api/a/groups?exclude=participants&limit=2&sortBy=subject'))
      .data as Array<Record<string, unknown>>;
    expect(slim).toHaveLength(2);
    expect(slim[0]).not.toHaveProperty('Participants');
    expect((await emu.client.get('/api/a/groups/count')).data).toEqual({ count: 3 });
    const refresh = await emu.client.post('/api/a/groups/refresh');
    expect(refresh.statusCode).toBe(200);
    expect(refresh.data).toEqual({ success: true });
    const one = await emu.client.get(`/api/a/groups/${encodeURIComponent(groups[0].JID)}`);
    expect(one.data).toEqual(groups[0]);
    expect((await emu.client.get('/api/a/groups/1@g.us')).statusCode).toBe(500);
  });

  it('normalises participants in /participants/v2 (me is superadmin)', async () => {
    const groups = (await emu.client.get('/api/a/groups')).data as Array<{ JID: string }>;
    for (const group of groups) {
      const res = await emu.client.get(`/api/a/groups/${group.JID}/participants/v2`);
      const participants = res.data as Array<{ id: string; pn: string | null; role: string }>;
      expect(
        participants.find((p) => p.id === `${PHONE_A}@c.us` || p.pn === `${PHONE_A}@c.us`),
      ).toMatchObject({
        role: 'superadmin',
      });
      for (const participant of participants) {
        expect(participant.id).toMatch(/^\d+@(c\.us|lid)$/);
        expect(['participant', 'admin', 'superadmin']).toContain(participant.role);
        expect(participant.pn).toMatch(/^\d+@c\.us$/);
      }
    }
  });

  it('serves seeded chats, overview and history with stable ids', async () => {
    const chats = (await emu.client.get('/api/a/chats')).data as Array<{
      id: string;
      name: string;
      conversationTimestamp: number;
    }>;
    expect(chats).toHaveLength(5 + 3);
    for (const chat of chats) {
      expect(Object.keys(chat).sort()).toEqual(['conversationTimestamp', 'id', 'name']);
    }
    const byTime = (
      await emu.client.get('/api/a/chats?sortBy=conversationTimestamp&sortOrder=desc&limit=2&offset=1')
    ).data as typeof chats;
    const sorted = [...chats].sort((x, y) => y.conversationTimestamp - x.conversationTimestamp);
    expect(byTime.map((c) => c.id)).toEqual(sorted.slice(1, 3).map((c) => c.id));

    const overview = (await emu.client.get('/api/a/chats/overview?limit=3')).data as Array<
      Record<string, unknown>
    >;
    expect(overview).toHaveLength(3);
    expect(overview[0]).toEqual({
      id: sorted[0].id,
      name: sorted[0].name,
      picture: null,
      lastMessage: expect.objectContaining({ id: expect.any(String) }),
      _chat: sorted[0],
    });
    const filtered = (await emu.client.get(`/api/a/chats/overview?ids=${sorted[2].id}`)).data as Array<{
      id: string;
    }>;
    expect(filtered.map((c) => c.id)).toEqual([sorted[2].id]);

    const chatId = encodeURIComponent(chats[0].id);
    const history = (await emu.client.get(`/api/a/chats/${chatId}/messages`)).data as Array<{
      id: string;
      timestamp: number;
      fromMe: boolean;
    }>;
    expect(history).toHaveLength(3);
    expect(history[0].timestamp).toBeGreaterThanOrEqual(history[1].timestamp);
    expect(history[0]).toEqual(
      expect.objectContaining({
        from: expect.any(String),
        to: expect.any(String),
        participant: null,
        body: expect.any(String),
        hasMedia: false,
        media: null,
        ack: expect.any(Number),
        ackName: expect.any(String),
        replyTo: null,
        _data: expect.any(Object),
      }),
    );
    const again = (await emu.client.get(`/api/a/chats/${chatId}/messages?downloadMedia=false`))
      .data as typeof history;
    expect(again.map((m) => m.id)).toEqual(history.map((m) => m.id));
    const fromMe = (await emu.client.get(`/api/a/chats/${chatId}/messages?filter.fromMe=true`))
      .data as typeof history;
    expect(fromMe.every((m) => m.fromMe)).toBe(true);
    const oldest = history[history.length - 1].timestamp;
    const window = (await emu.client.get(`/api/a/chats/${chatId}/messages?filter.timestamp.lte=${oldest}`))
      .data as typeof history;
    expect(window.map((m) => m.id)).toEqual([history[history.length - 1].id]);
    const paged = (await emu.client.get(`/api/a/chats/${chatId}/messages?limit=1&offset=1`))
      .data as typeof history;
    expect(paged.map((m) => m.id)).toEqual([history[1].id]);
  });
});

describe('large directories', () => {
  it('paginates 10 000 contacts quickly', async () => {
    const emu = await emulator();
    try {
      await emu.client.post('/emulator/config', { contacts: 10_000 });
      await emu.client.pairedSession('big', '4915190000009');
      const started = Date.now();
      const seen = new Set<string>();
      for (let offset = 0; ; offset += 1000) {
        const page = (await emu.client.get(`/api/contacts/all?session=big&limit=1000&offset=${offset}`))
          .data as Contact[];
        page.forEach((c) => seen.add(c.id));
        if (page.length < 1000) {
          break;
        }
      }
      const byName = (await emu.client.get('/api/contacts/all?session=big&sortBy=name&limit=50&offset=9000'))
        .data as Contact[];
      expect(byName).toHaveLength(50);
      expect(seen.size).toBe(10_000);
      expect((await emu.client.get('/api/big/lids/count')).data).toEqual({ count: 10_000 });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await emu.close();
    }
  });
});

describe('group events', () => {
  it('emits group.v2.* events and keeps the directory in sync', async () => {
    const hooks = new Receiver();
    await hooks.start();
    const emu = await emulator();
    try {
      await emu.client.pairedSession('g', '4915190000010', {
        webhooks: [
          {
            url: hooks.url,
            events: ['group.v2.join', 'group.v2.leave', 'group.v2.update', 'group.v2.participants'],
          },
        ],
      });
      const join = await emu.client.post('/emulator/group-event', {
        session: 'g',
        type: 'join',
        groupId: '120363999999999999@g.us',
        subject: 'Fresh group',
        participants: ['4915177776666'],
      });
      expect(join.statusCode).toBe(200);
      expect((await emu.client.get('/api/g/groups/count')).data).toEqual({ count: 4 });

      await emu.client.post('/emulator/group-event', {
        phoneNumber: '4915190000010',
        type: 'update',
        groupId: '120363999999999999@g.us',
        subject: 'Renamed',
      });
      await emu.client.post('/emulator/group-event', {
        session: 'g',
        type: 'participants',
        groupId: '120363999999999999@g.us',
        action: 'promote',
        participants: ['4915177776666'],
      });
      const v2 = (await emu.client.get('/api/g/groups/120363999999999999@g.us/participants/v2'))
        .data as Array<{
        id: string;
        role: string;
      }>;
      expect(v2).toContainEqual({ id: '4915177776666@c.us', pn: '4915177776666@c.us', role: 'admin' });
      expect(
        ((await emu.client.get('/api/g/groups/120363999999999999@g.us')).data as { Name: string }).Name,
      ).toBe('Renamed');
      await emu.client.post('/emulator/group-event', {
        session: 'g',
        type: 'leave',
        groupId: '120363999999999999@g.us',
      });
      expect((await emu.client.get('/api/g/groups/count')).data).toEqual({ count: 3 });

      await hooks.waitFor(() => hooks.received.length === 4);
      const [joined, updated, participants, left] = hooks.events().map((r) => r.body);
      expect(joined.event).toBe('group.v2.join');
      expect(joined.payload).toMatchObject({
        timestamp: expect.any(Number),
        group: { id: '120363999999999999@g.us', subject: 'Fresh group', participants: expect.any(Array) },
      });
      expect(updated.payload).toMatchObject({ group: { id: '120363999999999999@g.us', subject: 'Renamed' } });
      expect(participants.payload).toMatchObject({
        group: { id: '120363999999999999@g.us' },
        type: 'promote',
        participants: [{ id: '4915177776666@c.us', pn: '4915177776666@c.us', role: 'admin' }],
      });
      expect(left.payload).toMatchObject({ group: { id: '120363999999999999@g.us' } });
      expect(left.event).toBe('group.v2.leave');
    } finally {
      await emu.close();
      await hooks.close();
    }
  });
});
