import type { RunningEmulator } from 'waha-emulator';
import { startTestApp, TestApp } from '../utils/app';
import { linkDevice, LinkedDevice } from '../utils/devices';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { emulatorCall, EMULATOR_KEY, eventually, startTestEmulator } from '../utils/waha';

interface SentRecord {
  session: string;
  chatId: string;
  text: string;
  id: string;
}

const FAST = {
  MESSAGE_RATE_PER_DEVICE_PER_MINUTE: '60000',
  MESSAGE_JITTER_MS: '0',
  MESSAGE_RETRY_DELAY_MS: '100',
};

describe('Messaging: sends, acks, inbound history, directory', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;
  let device: LinkedDevice;

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS', contacts: 12, groups: 2 });
    t = await startTestApp({ WAHA_URL: emulator.url, WAHA_API_KEY: EMULATOR_KEY, ...FAST });
    tenant = await createTenant(t);
    device = await linkDevice(t, emulator, tenant.users.editor.token, '4915100000101');
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  const editor = () => bearer(tenant.users.editor.token);
  const message = async (id: string) => (await t.http().get(`/messages/${id}`).set(editor())).body;

  it('sends to a phone number exactly once and follows the acks to read', async () => {
    const res = await t
      .http()
      .post('/whatsapp/send')
      .set(editor())
      .send({ to: '+49 151 2345 6789', text: '  Hello there  ' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'queued' });
    const read = await eventually(async () => {
      const m = await message(res.body.id);
      return m.status === 'read' ? m : null;
    });
    expect(read).toMatchObject({
      chatId: '4915123456789@c.us',
      body: 'Hello there',
      direction: 'outbound',
      source: 'api',
    });
    expect(read.userId).toBe(tenant.users.editor.id);
    const sent = (await emulatorCall<SentRecord[]>(emulator, 'GET', '/emulator/sent')).body.filter(
      (s) => s.text === 'Hello there',
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.id).toBe(read.waMessageId);
  });

  it('sends to a group', async () => {
    const groups = await eventually(async () => {
      const res = await t.http().get('/groups').set(editor());
      return res.body.items?.length ? res.body.items : null;
    });
    const res = await t
      .http()
      .post('/whatsapp/send')
      .set(editor())
      .send({ to: groups[0].chatId, text: 'Hi group' });
    expect(res.status).toBe(202);
    await eventually(async () => ['sent', 'delivered', 'read'].includes((await message(res.body.id)).status));
    const sent = (await emulatorCall<SentRecord[]>(emulator, 'GET', '/emulator/sent')).body.filter(
      (s) => s.text === 'Hi group',
    );
    expect(sent.map((s) => s.chatId)).toEqual([groups[0].chatId]);
  });

  it('stores an inbound message once however often WAHA delivers it', async () => {
    const inbound = await emulatorCall<{ id: string }>(emulator, 'POST', '/emulator/inbound', {
      to: device.phoneNumber,
      from: '4915199990000',
      text: 'Is my order ready?',
      repeat: 3,
    });
    expect(inbound.status).toBe(201);
    const stored = await eventually(async () => {
      const res = await t.http().get('/messages?direction=inbound&chatId=4915199990000@c.us').set(editor());
      return res.body.items.length ? res.body.items : null;
    });
    await new Promise((r) => setTimeout(r, 500));
    const again = await t.http().get('/messages?direction=inbound&chatId=4915199990000@c.us').set(editor());
    expect(again.body.items).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      status: 'received',
      body: 'Is my order ready?',
      waMessageId: inbound.body.id,
    });
    const chats = await t.http().get(`/chats?deviceId=${device.id}`).set(editor());
    expect(
      chats.body.items.find((c: { chatId: string }) => c.chatId === '4915199990000@c.us')?.lastMessage.body,
    ).toBe('Is my order ready?');
  });

  it('fills contacts after linking', async () => {
    const contacts = await eventually(async () => {
      const res = await t.http().get('/contacts?limit=100').set(editor());
      return res.body.items?.length >= 12 ? res.body.items : null;
    });
    expect(contacts[0]).toMatchObject({
      id: expect.any(String),
      deviceId: device.id,
      chatId: expect.stringMatching(/@c\.us$|@lid$/),
    });
  });

  it('answers 400 for a bad recipient and 409 without a working device', async () => {
    const bad = await t.http().post('/whatsapp/send').set(editor()).send({ to: 'hello', text: 'x' });
    expect(bad.status).toBe(400);
    const viewer = await t
      .http()
      .post('/whatsapp/send')
      .set(bearer(tenant.users.viewer.token))
      .send({ to: '+4915112345678', text: 'x' });
    expect(viewer.status).toBe(403);
    const admin = await t
      .http()
      .post('/whatsapp/send')
      .set(bearer(tenant.users.admin.token))
      .send({ to: '+4915112345678', text: 'x' });
    expect(admin.status).toBe(409);
  });
});
