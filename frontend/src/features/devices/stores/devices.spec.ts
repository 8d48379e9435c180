import { createTestingPinia } from '@pinia/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRealtime } from '@/composables/use-realtime';
import { useSessionStore } from '@/stores/session';
import { clientMock, fail, ok } from '@/test/api-mock';
import { makeDevice, makeMe } from '@/test/factories';
import { useDevicesStore } from './devices';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const qr = (value: string) => ({ value, image: `data:image/png;base64,${value}` });

describe('devices store', () => {
  beforeEach(() => {
    createTestingPinia({ createSpy: vi.fn, stubActions: false });
    useSessionStore().me = makeMe(['logs:view', 'devices:link']);
  });

  async function hydrated(...devices: ReturnType<typeof makeDevice>[]) {
    clientMock.GET.mockReturnValueOnce(ok(devices));
    const store = useDevicesStore();
    await store.hydrate();
    return store;
  }

  it("loads the caller's devices and knows the active one", async () => {
    const active = makeDevice({ active: true });
    const store = await hydrated(makeDevice(), active);
    expect(clientMock.GET).toHaveBeenCalledWith('/whatsapp/devices', { params: { query: {} } });
    expect(store.active?.id).toBe(active.id);
  });

  it('applies device.status events', async () => {
    const device = makeDevice({ status: 'SCAN_QR_CODE', phoneNumber: null, linkedAt: null });
    const store = await hydrated(device);
    store.qrCodes[device.id] = qr('one');

    dispatchRealtime('device.status', {
      deviceId: device.id,
      userId: 'u-1',
      status: 'WORKING',
      statusReason: null,
      phoneNumber: '4915112345678',
    });
    expect(store.byId.get(device.id)).toMatchObject({ status: 'WORKING', phoneNumber: '4915112345678' });
    expect(store.qrCodes[device.id]).toBeUndefined(); // nothing left to scan

    dispatchRealtime('device.status', {
      deviceId: device.id,
      userId: 'u-1',
      status: 'FAILED',
      statusReason: 'The QR code was not scanned in time; ask for a new QR',
      phoneNumber: null,
    });
    expect(store.byId.get(device.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'The QR code was not scanned in time; ask for a new QR',
      phoneNumber: '4915112345678',
    });
  });

  it('applies device.qr events: the new QR replaces the old one', async () => {
    const device = makeDevice({ status: 'STARTING' });
    const store = await hydrated(device);
    dispatchRealtime('device.qr', { deviceId: device.id, userId: 'u-1', qr: qr('first') });
    expect(store.qrCodes[device.id]).toEqual(qr('first'));
    expect(store.byId.get(device.id)?.status).toBe('SCAN_QR_CODE');
    dispatchRealtime('device.qr', { deviceId: device.id, userId: 'u-1', qr: qr('second') });
    expect(store.qrCodes[device.id]).toEqual(qr('second'));
  });

  it('reloads the list for a status event of an own device it does not know yet', async () => {
    const store = await hydrated();
    const other = makeDevice();
    clientMock.GET.mockReturnValueOnce(ok([other]));
    dispatchRealtime('device.status', {
      deviceId: other.id,
      userId: 'u-1',
      status: 'WORKING',
      statusReason: null,
      phoneNumber: null,
    });
    await vi.waitFor(() => expect(store.devices).toHaveLength(1));
  });

  it('links a device and keeps the QR it came with', async () => {
    const store = await hydrated();
    const device = makeDevice({ status: 'SCAN_QR_CODE' });
    clientMock.POST.mockReturnValueOnce(ok({ ...device, qr: qr('q1') }, 201));
    await store.link('Sales phone');
    expect(clientMock.POST).toHaveBeenCalledWith('/whatsapp/devices', { body: { name: 'Sales phone' } });
    expect(store.devices[0]).toEqual(device);
    expect(store.qrCodes[device.id]).toEqual(qr('q1'));
  });

  it('asks for a new QR for a FAILED device', async () => {
    const device = makeDevice({ status: 'FAILED', statusReason: 'expired' });
    const store = await hydrated(device);
    clientMock.GET.mockReturnValueOnce(ok(qr('fresh')));
    await store.requestQr(device.id);
    expect(clientMock.GET).toHaveBeenLastCalledWith('/whatsapp/devices/{id}/qr', {
      params: { path: { id: device.id } },
    });
    expect(store.byId.get(device.id)).toMatchObject({ status: 'SCAN_QR_CODE', statusReason: null });
    expect(store.qrCodes[device.id]).toEqual(qr('fresh'));
  });

  it('switches the active device', async () => {
    const a = makeDevice({ active: true });
    const b = makeDevice();
    const store = await hydrated(a, b);
    clientMock.PUT.mockReturnValueOnce(ok({ ...b, active: true }));
    await store.setActive(b.id);
    expect(store.active?.id).toBe(b.id);
    expect(store.byId.get(a.id)?.active).toBe(false);
  });

  it('unlinks a device, and keeps it when the server refuses', async () => {
    const device = makeDevice();
    const store = await hydrated(device);
    clientMock.DELETE.mockReturnValueOnce(fail(502, 'WAHA unavailable'));
    await expect(store.remove(device.id)).rejects.toMatchObject({ status: 502 });
    expect(store.devices).toHaveLength(1);
    clientMock.DELETE.mockReturnValueOnce(ok(undefined, 204));
    await store.remove(device.id);
    expect(store.devices).toHaveLength(0);
  });

  it('forgets everything and stops listening on dehydrate', async () => {
    const device = makeDevice();
    const store = await hydrated(device);
    store.dehydrate();
    dispatchRealtime('device.qr', { deviceId: device.id, userId: 'u-1', qr: qr('late') });
    expect(store.devices).toEqual([]);
    expect(store.qrCodes).toEqual({});
  });
});
