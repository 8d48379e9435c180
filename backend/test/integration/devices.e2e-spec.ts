import type { RunningEmulator } from 'waha-emulator';
import { startTestApp, TestApp } from '../utils/app';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { emulatorCall, EMULATOR_KEY, eventually, startTestEmulator } from '../utils/waha';

describe('WhatsApp devices on a PLUS emulator', () => {
  let emulator: RunningEmulator;
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    emulator = await startTestEmulator({ tier: 'PLUS' });
    t = await startTestApp({ WAHA_URL: emulator.url, WAHA_API_KEY: EMULATOR_KEY, WAHA_QR_WAIT_MS: '3000' });
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  it('links two devices by QR and reports WORKING with the phone number', async () => {
    const editor = bearer(tenant.users.editor.token);
    for (const [name, phone] of [
      ['Sales', '4915100000001'],
      ['Support', '4915100000002'],
    ]) {
      const created = await t.http().post('/whatsapp/devices').set(editor).send({ name });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.any(String), name, status: 'SCAN_QR_CODE' });
      expect(created.body.qr.value).toMatch(/^2@/);
      expect(created.body.qr.image).toMatch(/^data:image\/png;base64,/);
      const scan = await emulatorCall(emulator, 'POST', '/emulator/scan', { qr: created.body.qr.value, phoneNumber: phone });
      expect(scan.status).toBe(200);
      const device = await eventually(async () => {
        const res = await t.http().get(`/whatsapp/devices/${created.body.id}`).set(editor);
        return res.body.status === 'WORKING' ? res.body : null;
      });
      expect(device.phoneNumber).toBe(phone);
    }
    const list = await t.http().get('/whatsapp/devices').set(editor);
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((d: { active: boolean }) => d.active)).toHaveLength(1);
  });
});
