import type { RunningEmulator } from 'waha-emulator';
import { TestApp } from './app';
import { bearer } from './fixtures';
import { emulatorCall, eventually } from './waha';

export interface LinkedDevice {
  id: string;
  phoneNumber: string;
}

/** Links a device through the API and the emulator's QR scan, and waits until it is WORKING. */
export async function linkDevice(
  t: TestApp,
  emulator: RunningEmulator,
  token: string,
  phoneNumber: string,
  name = `Phone ${phoneNumber.slice(-4)}`,
): Promise<LinkedDevice> {
  const created = await t.http().post('/whatsapp/devices').set(bearer(token)).send({ name });
  if (created.status !== 201)
    throw new Error(`create device: ${created.status} ${JSON.stringify(created.body)}`);
  const qr =
    created.body.qr?.value ??
    (await eventually(async () => {
      const res = await t.http().get(`/whatsapp/devices/${created.body.id}/qr`).set(bearer(token));
      return res.status === 200 ? (res.body.value as string) : null;
    }));
  const scan = await emulatorCall(emulator, 'POST', '/emulator/scan', { qr, phoneNumber });
  if (scan.status !== 200) throw new Error(`scan: ${scan.status} ${JSON.stringify(scan.body)}`);
  await eventually(async () => {
    const res = await t.http().get(`/whatsapp/devices/${created.body.id}`).set(bearer(token));
    return res.body.status === 'WORKING';
  });
  return { id: created.body.id, phoneNumber };
}
