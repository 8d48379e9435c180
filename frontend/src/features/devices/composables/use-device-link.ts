import { computed, ref, type Ref } from 'vue';
import { ApiError } from '@/api/client';
import { describeError, fieldErrors } from '@/utils/notify-error';
import { useDevicesStore } from '../stores/devices';

/**
 * The "Link a phone" flow: create the device, then show its QR (replaced live by device.qr), follow its
 * status (device.status) and ask for a new QR when it FAILED. Everything live comes through the store.
 */
export function useDeviceLink(initialDeviceId: Ref<string | null>) {
  const devices = useDevicesStore();
  const name = ref('');
  const createdId = ref<string | null>(null);
  const creating = ref(false);
  const requestingQr = ref(false);
  const error = ref<string | null>(null);
  const nameError = ref<string | null>(null);

  const deviceId = computed(() => createdId.value ?? initialDeviceId.value);
  const device = computed(() => (deviceId.value ? (devices.byId.get(deviceId.value) ?? null) : null));
  const qr = computed(() => (deviceId.value ? (devices.qrCodes[deviceId.value] ?? null) : null));
  const status = computed(() => device.value?.status ?? null);

  async function create(): Promise<void> {
    if (creating.value || !name.value.trim()) return;
    creating.value = true;
    error.value = null;
    nameError.value = null;
    try {
      const created = await devices.link(name.value.trim());
      createdId.value = created.id;
    } catch (e) {
      const { fields, general } = fieldErrors(e, ['name'] as const);
      nameError.value = fields.name ?? null;
      error.value = nameError.value && !general.length ? null : describeError(e).title;
    } finally {
      creating.value = false;
    }
  }

  /** Fetches the current QR; for a FAILED device the server restarts it first. */
  async function newQr(): Promise<void> {
    if (!deviceId.value || requestingQr.value) return;
    requestingQr.value = true;
    error.value = null;
    try {
      await devices.requestQr(deviceId.value);
    } catch (e) {
      // 409 while STARTING: the QR follows by itself as a device.qr event.
      if (e instanceof ApiError && e.status === 409 && /starting/i.test(e.message)) return;
      error.value = describeError(e).title;
    } finally {
      requestingQr.value = false;
    }
  }

  function reset(): void {
    name.value = '';
    createdId.value = null;
    error.value = null;
    nameError.value = null;
  }

  return {
    name,
    deviceId,
    device,
    qr,
    status,
    creating,
    requestingQr,
    error,
    nameError,
    create,
    newQr,
    reset,
  };
}
