import { emulator, Receiver, sleep, type TestEmulator } from './helpers';

const STATUS_ERROR = 'Session status is not as expected. Try again later or restart the session';
const ME = '4915180000001';

interface Msg {
  id: string;
  from: string;
  to: string | null;
  fromMe: boolean;
  participant: string | null;
  ack: number;
  ackName: string;
  body: string;
  source: string;
}

describe('messaging', () => {
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
  beforeEach(async () => {
    await emu.client.post('/emulator/reset');
    hooks.received.length = 0;
    await emu.client.pairedSession('s', ME, { webhooks: [{ url: hooks.url, events: ['*'] }] });
  });

  it('sends text: 201 GOWS-like response, recorded in /emulator/sent and the chat history', async () => {
    const res = await emu.client.post('/api/sendText', {
      session: 's',
      chatId: '4915199990001',
      text: 'Hello',
    });
    expect(res.statusCode).toBe(201);
    const data = res.data as { id: string; _data: Record<string, unknown> };
    expect(data.id).toMatch(/^true_4915199990001@c\.us_3EB0[0-9A-F]{18}$/);
    expect(data._data).toMatchObject({ Info: { IsFromMe: true, Chat: '4915199990001@s.whatsapp.net' } });
    const sent = (await emu.client.get('/emulator/sent')).data as Array<Record<string, unknown>>;
    expect(sent).toEqual([
      { session: 's', chatId: '4915199990001@c.us', text: 'Hello', id: data.id, at: expect.any(String) },
    ]);
    const history = (await emu.client.get('/api/s/chats/4915199990001@c.us/messages')).data as Msg[];
    expect(history[0]).toMatchObject({
      id: data.id,
      fromMe: true,
      body: 'Hello',
      from: `${ME}@c.us`,
      to: '4915199990001@c.us',
    });
  });

  it.each([
    ['4915199990002', '4915199990002@c.us'],
    ['+4915199990002', '4915199990002@c.us'],
    ['4915199990002@c.us', '4915199990002@c.us'],
    ['4915199990002@s.whatsapp.net', '4915199990002@c.us'],
    ['123456789012345@lid', '123456789012345@lid'],
    ['120363000000000001@g.us', '120363000000000001@g.us'],
  ])('accepts chatId %s', async (chatId, normalized) => {
    const res = await emu.client.post('/api/sendText', { session: 's', chatId, text: 'x' });
    expect(res.statusCode).toBe(201);
    expect((res.data as { id: string }).id.startsWith(`true_${normalized}_`)).toBe(true);
  });

  it('rejects a malformed chatId with 400', async () => {
    for (const chatId of ['hello', '12@c.us', '', 'x@g.us']) {
      const res = await emu.client.post('/api/sendText', { session: 's', chatId, text: 'x' });
      expect(res.statusCode).toBe(400);
      expect(res.data).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: [expect.any(String)],
      });
    }
  });

  it('emits message.any then SERVER → DEVICE → READ acks', async () => {
    const res = await emu.client.post('/api/sendText', {
      session: 's',
      chatId: '4915199990003',
      text: 'ack me',
    });
    const id = (res.data as { id: string }).id;
    await hooks.waitFor(() => hooks.events('message.ack').length === 3);
    const any = hooks.events('message.any')[0].body;
    expect(any.payload).toMatchObject({
      id,
      fromMe: true,
      source: 'api',
      ack: 1,
      ackName: 'SERVER',
      body: 'ack me',
    });
    expect(any.me).toMatchObject({ id: `${ME}@c.us` });
    expect(hooks.events('message')).toHaveLength(0);
    const acks = hooks.events('message.ack').map((r) => r.body.payload);
    expect(acks.map((a) => [a.ack, a.ackName])).toEqual([
      [1, 'SERVER'],
      [2, 'DEVICE'],
      [3, 'READ'],
    ]);
    expect(acks[0]).toMatchObject({
      id,
      from: `${ME}@c.us`,
      to: '4915199990003@c.us',
      participant: null,
      fromMe: true,
    });
    const history = (await emu.client.get('/api/s/chats/4915199990003@c.us/messages?limit=1')).data as Msg[];
    expect(history[0]).toMatchObject({ ack: 3, ackName: 'READ' });
  });

  it('reverses or disables acks on request', async () => {
    await emu.client.post('/emulator/faults', { acks: { reverse: true } });
    await emu.client.post('/api/sendText', { session: 's', chatId: '4915199990004', text: 'x' });
    await hooks.waitFor(() => hooks.events('message.ack').length === 3);
    expect(hooks.events('message.ack').map((r) => r.body.payload.ackName)).toEqual([
      'READ',
      'DEVICE',
      'SERVER',
    ]);
    const history = (await emu.client.get('/api/s/chats/4915199990004/messages?limit=1')).data as Msg[];
    expect(history[0].ack).toBe(3);

    hooks.received.length = 0;
    await emu.client.post('/emulator/faults', { acks: { reverse: false, disabled: true } });
    await emu.client.post('/api/sendText', { session: 's', chatId: '4915199990004', text: 'y' });
    await sleep(100);
    expect(hooks.events('message.any')).toHaveLength(1);
    expect(hooks.events('message.ack')).toHaveLength(0);
  });

  it('answers WAHA’s 422 bodies when the session is not WORKING or missing', async () => {
    await emu.client.post('/api/sessions', { name: 'idle' });
    await emu.client.post('/api/sessions', { name: 'waiting', start: true });
    const cases: Array<[unknown, Record<string, unknown>]> = [
      ['idle', { error: STATUS_ERROR, session: 'idle', status: 'STOPPED', expected: ['WORKING'] }],
      ['waiting', { error: STATUS_ERROR, session: 'waiting', status: 'STARTING', expected: ['WORKING'] }],
      ['ghost', { error: 'Session "ghost" does not exist', session: 'ghost' }],
      [undefined, { error: 'Session name is required' }],
    ];
    for (const [session, body] of cases) {
      const res = await emu.client.post('/api/sendText', { session, chatId: '4915199990005', text: 'x' });
      expect(res.statusCode).toBe(422);
      expect(res.data).toEqual(body);
    }
    for (const url of [
      '/api/contacts/all?session=idle',
      '/api/idle/groups',
      '/api/idle/chats',
      '/api/idle/lids',
    ]) {
      const res = await emu.client.get(url);
      expect(res.statusCode).toBe(422);
      expect(res.data).toMatchObject({ status: 'STOPPED', expected: ['WORKING'] });
    }
  });

  it('quotes a message with reply_to', async () => {
    const first = await emu.client.post('/api/sendText', {
      session: 's',
      chatId: '4915199990006',
      text: 'original',
    });
    const firstId = (first.data as { id: string }).id;
    const reply = await emu.client.post('/api/sendText', {
      session: 's',
      chatId: '4915199990006',
      text: 'reply',
      reply_to: firstId,
    });
    expect(reply.statusCode).toBe(201);
    const history = (await emu.client.get('/api/s/chats/4915199990006/messages?limit=1')).data as Array<
      Msg & { replyTo: Record<string, unknown> }
    >;
    expect(history[0].replyTo).toMatchObject({ id: firstId.split('_')[2], body: 'original' });
    const broken = await emu.client.post('/api/sendText', {
      session: 's',
      chatId: '4915199990006',
      text: 'r',
      reply_to: 'a_b',
    });
    expect(broken.statusCode).toBe(500);
  });

  it('answers typing and seen like WAHA', async () => {
    const typing = await emu.client.post('/api/startTyping', { session: 's', chatId: '4915199990007@c.us' });
    expect(typing.statusCode).toBe(201);
    expect(typing.data).toEqual({ result: true });
    expect((await emu.client.get('/api/sessions/s')).data).toMatchObject({ presence: 'typing' });
    expect(
      (await emu.client.post('/api/stopTyping', { session: 's', chatId: '4915199990007@c.us' })).data,
    ).toEqual({
      result: true,
    });
    const inbound = await emu.client.post('/emulator/inbound', {
      to: ME,
      from: '4915199990007',
      text: 'hey',
    });
    const seen = await emu.client.post('/api/sendSeen', { session: 's', chatId: '4915199990007@c.us' });
    expect(seen.statusCode).toBe(201);
    expect(seen.data).toEqual({ ids: [(inbound.data as Msg).id] });
    const explicit = await emu.client.post('/api/sendSeen', {
      session: 's',
      chatId: '4915199990007@c.us',
      messageIds: ['a'],
    });
    expect(explicit.data).toEqual({ ids: ['a'] });
  });

  it('answers 501 for media sends in PLUS (not emulated)', async () => {
    const res = await emu.client.post('/api/sendFile', { session: 's', chatId: '4915199990008', file: {} });
    expect(res.statusCode).toBe(501);
  });
});

describe('inbound messages', () => {
  let emu: TestEmulator;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = new Receiver();
    await hooks.start();
    emu = await emulator();
    await emu.client.pairedSession('in', ME, {
      webhooks: [{ url: hooks.url, events: ['message', 'message.any'] }],
    });
  });
  afterAll(async () => {
    await emu.close();
    await hooks.close();
  });
  beforeEach(() => {
    hooks.received.length = 0;
  });

  it('delivers a DM to the paired session: 201 WAMessage + message and message.any', async () => {
    const res = await emu.client.post('/emulator/inbound', {
      to: `+${ME}`,
      from: '4915177770001',
      text: 'Hi there',
    });
    expect(res.statusCode).toBe(201);
    const message = res.data as Msg & { timestamp: number; hasMedia: boolean; media: null; replyTo: null };
    expect(message).toMatchObject({
      id: expect.stringMatching(/^false_4915177770001@c\.us_[0-9A-F]{32}$/),
      from: '4915177770001@c.us',
      to: `${ME}@c.us`,
      fromMe: false,
      participant: null,
      body: 'Hi there',
      hasMedia: false,
      media: null,
      replyTo: null,
      source: 'app',
    });
    expect(Math.abs(message.timestamp - Date.now() / 1000)).toBeLessThan(5);
    await hooks.waitFor(() => hooks.received.length === 2);
    expect(hooks.events('message')[0].body.payload).toEqual(message);
    expect(hooks.events('message.any')[0].body.payload).toEqual(message);
    const history = (await emu.client.get('/api/in/chats/4915177770001@c.us/messages')).data as Msg[];
    expect(history[0].id).toBe(message.id);
  });

  it('repeats the same events with new envelope ids (duplicate delivery)', async () => {
    const res = await emu.client.post('/emulator/inbound', {
      to: ME,
      from: '4915177770002@c.us',
      text: 'dup',
      repeat: 3,
    });
    await hooks.waitFor(() => hooks.received.length === 6);
    const messages = hooks.events('message');
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((r) => r.body.id)).size).toBe(3);
    expect(new Set(messages.map((r) => r.body.payload.id))).toEqual(new Set([(res.data as Msg).id]));
    for (const r of messages) {
      expect(r.body.id).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
    }
  });

  it('supports @lid senders and group messages with a participant', async () => {
    const lid = await emu.client.post('/emulator/inbound', {
      to: ME,
      from: '111122223333444@lid',
      text: 'from lid',
    });
    expect((lid.data as Msg).from).toBe('111122223333444@lid');
    const group = await emu.client.post('/emulator/inbound', {
      to: ME,
      from: '120363000000000009@g.us',
      participant: '4915177770003',
      text: 'group hello',
    });
    expect(group.statusCode).toBe(201);
    expect(group.data).toMatchObject({
      id: expect.stringMatching(/^false_120363000000000009@g\.us_[0-9A-F]{32}_4915177770003@c\.us$/),
      from: '120363000000000009@g.us',
      participant: '4915177770003@c.us',
    });
    const missing = await emu.client.post('/emulator/inbound', {
      to: ME,
      from: '120363000000000009@g.us',
      text: 'x',
    });
    expect(missing.statusCode).toBe(400);
  });

  it('answers 404 when no session has that phone number', async () => {
    const res = await emu.client.post('/emulator/inbound', {
      to: '4915100000000',
      from: '4915177770004',
      text: 'x',
    });
    expect(res.statusCode).toBe(404);
  });
});
