import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { Device, DeviceStatus, Qr } from '@/api/types';
import { onRealtime, type RealtimeEvents } from '@/composables/use-realtime';
import { useSessionStore } from '@/stores/session';

/** A QR is worth showing only while the device waits for a scan; these statuses end that wait. */
const QR_OVER: readonly DeviceStatus[] = ['WORKING', 'FAILED', 'STOPPED'];

/** The caller's WhatsApp devices, kept current from device.status / device.qr. */
export const useDevicesStore = defineStore('devices', () => {
  const session = useSessionStore();
  const devices = ref<Device[]>([]);
  const qrCodes = ref<Record<string, Qr>>({});
  const loading = ref(false);
  const loaded = ref(false);
  /** With users:manage: every device of the tenant instead of the caller's own. */
  const showAll = ref(false);
  let offs: Array<() => void> = [];

  const active = computed(() => devices.value.find((d) => d.active) ?? null);
  const working = computed(() => devices.value.filter((d) => d.status === 'WORKING'));
  const byId = computed(() => new Map(devices.value.map((d) => [d.id, d])));

  async function hydrate(): Promise<void> {
    offs.forEach((off) => off());
    offs = [
      onRealtime('device.status', applyStatus),
      onRealtime('device.qr', applyQr),
      onRealtime('realtime.resumed', () => void load().catch(() => undefined)),
    ];
    await load();
  }

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const query = showAll.value ? { all: true } : {};
      devices.value = await unwrap(client.GET('/whatsapp/devices', { params: { query } }));
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  /** Starts a WhatsApp session; the QR (if WAHA already shows one) comes back at once, later ones live. */
  async function link(name: string): Promise<Device> {
    const { qr, ...device } = await unwrap(client.POST('/whatsapp/devices', { body: { name } }));
    upsert(device);
    if (qr) qrCodes.value[device.id] = qr;
    return device;
  }

  /** The current QR; for a FAILED device the server restarts it and a fresh QR cycle begins. */
  async function requestQr(id: string): Promise<Qr> {
    const qr = await unwrap(client.GET('/whatsapp/devices/{id}/qr', { params: { path: { id } } }));
    qrCodes.value[id] = qr;
    patch(id, { status: 'SCAN_QR_CODE', statusReason: null });
    return qr;
  }

  async function setActive(id: string): Promise<void> {
    const device = await unwrap(client.PUT('/whatsapp/devices/active', { body: { deviceId: id } }));
    devices.value = devices.value.map((d) => (d.id === device.id ? device : { ...d, active: false }));
  }

  async function sync(id: string): Promise<void> {
    await unwrap(client.POST('/whatsapp/devices/{id}/sync', { params: { path: { id } } }));
  }

  async function remove(id: string): Promise<void> {
    await unwrap(client.DELETE('/whatsapp/devices/{id}', { params: { path: { id } } }));
    devices.value = devices.value.filter((d) => d.id !== id);
    delete qrCodes.value[id];
  }

  function applyStatus(event: RealtimeEvents['device.status']): void {
    if (!byId.value.has(event.deviceId)) {
      // A device of ours we have not seen yet (linked in another tab): read the list again.
      if (loaded.value && event.userId === session.me?.userId) void load().catch(() => undefined);
      return;
    }
    patch(event.deviceId, {
      status: event.status,
      statusReason: event.statusReason,
      ...(event.phoneNumber ? { phoneNumber: event.phoneNumber } : {}),
    });
    if (QR_OVER.includes(event.status)) delete qrCodes.value[event.deviceId];
  }

  function applyQr(event: RealtimeEvents['device.qr']): void {
    qrCodes.value[event.deviceId] = event.qr;
    patch(event.deviceId, { status: 'SCAN_QR_CODE', statusReason: null });
  }

  function patch(id: string, changes: Partial<Device>): void {
    const index = devices.value.findIndex((d) => d.id === id);
    if (index >= 0) devices.value[index] = { ...devices.value[index]!, ...changes };
  }

  function upsert(device: Device): void {
    const index = devices.value.findIndex((d) => d.id === device.id);
    if (index >= 0) devices.value[index] = device;
    else devices.value = [device, ...devices.value];
  }

  function dehydrate(): void {
    offs.forEach((off) => off());
    offs = [];
    devices.value = [];
    qrCodes.value = {};
    loaded.value = false;
    loading.value = false;
    showAll.value = false;
  }

  return {
    devices,
    qrCodes,
    loading,
    loaded,
    showAll,
    active,
    working,
    byId,
    hydrate,
    load,
    link,
    requestQr,
    setActive,
    sync,
    remove,
    applyStatus,
    applyQr,
    dehydrate,
  };
});
