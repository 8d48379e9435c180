import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispatchRealtime } from '@/composables/use-realtime';
import { useSessionStore } from '@/stores/session';
import { clientMock, fail, ok } from '@/test/api-mock';
import { makeDevice, makeMe } from '@/test/factories';
import { useDevicesStore } from '../stores/devices';
import DeviceLinkDialog from './DeviceLinkDialog.vue';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const png = (tag: string) => `data:image/png;base64,${tag}`;
const qrImage = () => document.body.querySelector<HTMLImageElement>('[data-testid="qr-image"]');

async function setup(deviceId: string | null, devices = [] as ReturnType<typeof makeDevice>[]) {
  const pinia = createTestingPinia({ createSpy: vi.fn, stubActions: false });
  useSessionStore().me = makeMe(['logs:view', 'devices:link']);
  clientMock.GET.mockReturnValueOnce(ok(devices));
  await useDevicesStore().hydrate();
  const wrapper = mount(DeviceLinkDialog, {
    props: { show: true, deviceId },
    global: { plugins: [pinia] },
    attachTo: document.body,
  });
  await flushPromises();
  return wrapper;
}

describe('DeviceLinkDialog', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('creates the device, shows its QR, swaps it on device.qr and celebrates WORKING', async () => {
    const wrapper = await setup(null);
    const device = makeDevice({ status: 'SCAN_QR_CODE', phoneNumber: null });
    clientMock.POST.mockReturnValueOnce(ok({ ...device, qr: { value: 'v1', image: png('first') } }, 201));

    const name = document.body.querySelector<HTMLInputElement>('input[name="device-name"]')!;
    name.value = 'Sales phone';
    name.dispatchEvent(new Event('input'));
    await flushPromises();
    document.body.querySelector<HTMLButtonElement>('[data-testid="create-device"]')!.click();
    await flushPromises();

    expect(clientMock.POST).toHaveBeenCalledWith('/whatsapp/devices', { body: { name: 'Sales phone' } });
    expect(qrImage()?.getAttribute('src')).toBe(png('first'));

    dispatchRealtime('device.qr', {
      deviceId: device.id,
      userId: 'u-1',
      qr: { value: 'v2', image: png('second') },
    });
    await flushPromises();
    expect(qrImage()?.getAttribute('src')).toBe(png('second'));

    dispatchRealtime('device.status', {
      deviceId: device.id,
      userId: 'u-1',
      status: 'WORKING',
      statusReason: null,
      phoneNumber: '4915112345678',
    });
    await flushPromises();
    expect(qrImage()).toBeNull();
    expect(document.body.textContent).toContain('Phone linked');
    expect(document.body.textContent).toContain('+49 151 1234 5678');
    wrapper.unmount();
  });

  it('explains FAILED and fetches a new QR on request', async () => {
    const device = makeDevice({
      status: 'FAILED',
      statusReason: 'The QR code was not scanned in time; ask for a new QR',
    });
    // Opening the dialog for a device without a QR asks for one right away.
    clientMock.GET.mockImplementation(() => fail(502, 'WAHA is not answering'));
    const wrapper = await setup(device.id, [device]);
    expect(document.body.textContent).toContain('The QR code was not scanned in time');
    expect(document.body.textContent).toContain('WhatsApp is not answering right now');

    clientMock.GET.mockReturnValueOnce(ok({ value: 'v3', image: png('fresh') }));
    document.body.querySelector<HTMLButtonElement>('[data-testid="new-qr"]')!.click();
    await flushPromises();
    expect(clientMock.GET).toHaveBeenLastCalledWith('/whatsapp/devices/{id}/qr', {
      params: { path: { id: device.id } },
    });
    expect(qrImage()?.getAttribute('src')).toBe(png('fresh'));
    wrapper.unmount();
  });
});
