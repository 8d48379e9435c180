// WAHA down, hanging or failing while a device is linked: a quick 502/503 with a clear message, nothing left
// behind (no visible device, no stray WAHA session), and only idempotent WAHA calls retried.
import type { RunningEmulator } from 'waha-emulator';
import { freePort, TestApp } from '../utils/app';
import { bearer, createTenant, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';
import { emulatorCall, EMULATOR_KEY, eventually, startTestEmulator } from '../utils/waha';
import {
  emulatorSessions,
  sessionOfDevice,
  startWahaApp,
  wahaEnv,
  closeWahaApp,
} from '../utils/waha-devices';

async function liveDeviceCount(tenantId: string): Promise<number> {
  const [row] = await ownerQuery<{ n: string }>(
    `SELECT count(*) AS n FROM devices WHERE tenant_id = $1 AND deleted_at IS NULL`,
    [tenantId],
  );
  return Number(row!.n);
}

describe('WAHA unreachable or failing', () => {
  describe('nothing listening at WAHA_URL', () => {
    let t: TestApp;
    let tenant: TenantFixture;

    beforeAll(async () => {
      t = await startWahaApp({
        WAHA_URL: `http://127.0.0.1:${await freePort()}`,
        WAHA_API_KEY: EMULATOR_KEY,
        WAHA_TIMEOUT_MS: '1000',
      });
      tenant = await createTenant(t);
    });
    afterAll(async () => {
      await closeWahaApp(t);
    });

    it('POST /whatsapp/devices → 503 with a clear message within ~2 s, and no device is left', async () => {
      const token = tenant.users.editor.token;
      const started = Date.now();
      const res = await t.http().post('/whatsapp/devices').set(bearer(token)).send({ name: 'Offline' });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/WAHA/);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|stack|at .*\.ts/);
      const list = await t.http().get('/whatsapp/devices').set(bearer(token));
      expect(list.status).toBe(200);
      expect(list.body).toEqual([]);
      expect(await liveDeviceCount(tenant.id)).toBe(0);
    });
  });

  describe('WAHA hanging or answering 5xx (fault injection)', () => {
    let emulator: RunningEmulator;
    let t: TestApp;
    let tenant: TenantFixture;

    beforeAll(async () => {
      emulator = await startTestEmulator({ tier: 'PLUS' });
      t = await startWahaApp(
        wahaEnv(emulator, {
          WAHA_TIMEOUT_MS: '500',
          WAHA_QR_WAIT_MS: '0',
          // No background server check may eat the injected faults.
          WAHA_CHECK_INTERVAL_SECONDS: '3600',
        }),
      );
      tenant = await createTenant(t);
      // The tier is known before faults start (it is learnt at boot, from a route the faults do not touch).
      await eventually(async () => {
        const [row] = await ownerQuery<{ tier: string | null }>(
          `SELECT tier FROM waha_servers WHERE url = $1`,
          [emulator.url],
        );
        return row?.tier === 'PLUS';
      });
    });
    afterEach(async () => {
      await emulatorCall(emulator, 'DELETE', '/emulator/faults');
    });
    afterAll(async () => {
      await closeWahaApp(t);
      await emulator?.close();
    });

    const post = () =>
      t.http().post('/whatsapp/devices').set(bearer(tenant.users.editor.token)).send({ name: 'Faulty' });
    const remainingFaults = async () =>
      (
        await emulatorCall<{ sessions?: { failNext: number; hangNext: number } }>(
          emulator,
          'GET',
          '/emulator/faults',
        )
      ).body.sessions;

    it('hanging session calls → 503 within ~2 s (not a hang), no device left visible', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sessions: { hangNext: 5 } });
      const started = Date.now();
      const res = await post();
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/unavailable/i);
      expect(elapsed).toBeLessThan(2500);
      expect((await t.http().get('/whatsapp/devices').set(bearer(tenant.users.editor.token))).body).toEqual(
        [],
      );
      expect(await liveDeviceCount(tenant.id)).toBe(0);
      await emulatorCall(emulator, 'DELETE', '/emulator/faults'); // the 3 hangs left would hang this check too
      expect(await emulatorSessions(emulator)).toEqual([]);
    });

    it('a failing POST /api/sessions is not retried (one 500 is enough to fail the link)', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sessions: { failNext: 1, status: 500 } });
      const res = await post();
      // A retry of the create would have met a healthy WAHA and answered 201.
      expect([502, 503]).toContain(res.status);
      expect(res.body.message).toMatch(/WAHA/);
      expect(await emulatorSessions(emulator)).toEqual([]);
      expect(await liveDeviceCount(tenant.id)).toBe(0);
    });

    it('5xx: idempotent clean-up is retried, the create is not; no duplicate sessions on WAHA', async () => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sessions: { failNext: 3, status: 500 } });
      const res = await post();
      expect([502, 503]).toContain(res.status);
      // One failed create + the clean-up DELETE retried twice (the third attempt succeeds) = all three faults.
      expect(await remainingFaults()).toMatchObject({ failNext: 0 });
      expect(await emulatorSessions(emulator)).toEqual([]);
      expect(await liveDeviceCount(tenant.id)).toBe(0);

      // WAHA healthy again: linking works and creates exactly one session.
      const ok = await post();
      expect(ok.status).toBe(201);
      const sessions = await emulatorSessions(emulator);
      expect(sessions).toHaveLength(1);
      expect(sessionOfDevice(sessions, ok.body.id)).toBeDefined();
    });
  });
});
