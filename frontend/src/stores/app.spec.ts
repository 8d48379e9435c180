import { createTestingPinia } from '@pinia/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRealtime } from '@/composables/use-realtime';
import { useChatsStore } from '@/features/chats/stores/chats';
import { useDevicesStore } from '@/features/devices/stores/devices';
import { useIdentityStore } from '@/features/identity/stores/identity';
import { useMessagesStore } from '@/features/messages/stores/messages';
import { useTenantsStore } from '@/features/tenants/stores/tenants';
import { clientMock, ok } from '@/test/api-mock';
import { makeChat, makeDevice, makeMe, makeMessage } from '@/test/factories';
import { useAppStore } from './app';
import { usePermissionsStore } from './permissions';
import { useSessionStore } from './session';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const disconnect = vi.hoisted(() => vi.fn());
vi.mock('@/composables/use-realtime', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/composables/use-realtime')>()),
  disconnectRealtime: disconnect,
}));

const tokens = { accessToken: 'A', refreshToken: 'R', tokenType: 'Bearer', expiresIn: 900 };
const allPermissions = makeMe([
  'users:manage',
  'groups:manage',
  'devices:link',
  'messages:send',
  'logs:view',
]);

async function signInWithData() {
  const device = makeDevice({ active: true });
  clientMock.POST.mockImplementation((path) =>
    Promise.resolve(path === '/auth/login' ? ok(tokens) : ok(undefined, 204)),
  );
  clientMock.GET.mockImplementation((path) => {
    if (path === '/auth/me') return ok(allPermissions);
    if (path === '/whatsapp/devices') return ok([device]);
    if (path === '/messages') return ok({ items: [makeMessage({ deviceId: device.id })], nextCursor: 'c' });
    if (path === '/chats') return ok({ items: [makeChat({ deviceId: device.id })], nextCursor: null });
    if (path === '/users') return ok([{ id: 'u-1', username: 'ann', groupId: 'g-1', createdAt: '' }]);
    if (path === '/user-groups') return ok([{ id: 'g-1', name: 'Admins', permissions: [], system: true }]);
    if (path === '/tenants')
      return ok([
        { id: 't', name: 'Acme', slug: 'acme', status: 'active', isPlatform: false, createdAt: '' },
      ]);
    return Promise.reject(new Error(`unexpected GET ${path}`));
  });
  const app = useAppStore();
  await app.signIn('acme', 'ann', 'secret');
  await Promise.all([
    useMessagesStore().load(),
    useChatsStore().loadChats(),
    useIdentityStore().loadUsers(),
    useIdentityStore().loadGroups(),
    useTenantsStore().load(),
  ]);
  useDevicesStore().applyQr({
    deviceId: device.id,
    userId: 'u-1',
    qr: { value: 'q', image: 'data:image/png;base64,AA' },
  });
  return { app, device };
}

describe('app store (hydrate / dehydrate)', () => {
  beforeEach(() => {
    createTestingPinia({ createSpy: vi.fn, stubActions: false });
  });

  it('hydrates the stores the permissions open after signing in', async () => {
    const { device } = await signInWithData();
    expect(useDevicesStore().devices).toHaveLength(1);
    expect(useDevicesStore().active?.id).toBe(device.id);
    expect(usePermissionsStore().can('users:manage')).toBe(true);
  });

  it('signing out revokes the session and clears every store, so nothing leaks to the next tenant', async () => {
    const { app } = await signInWithData();
    await app.signOut();

    expect(clientMock.POST).toHaveBeenLastCalledWith('/auth/logout', {
      body: { refreshToken: 'R' },
      signal: expect.any(AbortSignal),
    });
    expect(disconnect).toHaveBeenCalled();
    const session = useSessionStore();
    expect(session.signedIn).toBe(false);
    expect(session.accessToken).toBeNull();
    expect(usePermissionsStore().granted.size).toBe(0);
    const devices = useDevicesStore();
    expect(devices.devices).toEqual([]);
    expect(devices.qrCodes).toEqual({});
    const messages = useMessagesStore();
    expect(messages.items).toEqual([]);
    expect(messages.nextCursor).toBeNull();
    expect(messages.filters).toEqual({});
    expect(useChatsStore().chats).toEqual([]);
    expect(useChatsStore().threads).toEqual({});
    expect(useIdentityStore().users).toEqual([]);
    expect(useIdentityStore().groups).toEqual([]);
    expect(useTenantsStore().tenants).toEqual([]);
  });

  it('stops listening to live events after signing out', async () => {
    const { app, device } = await signInWithData();
    await app.signOut();
    dispatchRealtime('device.status', {
      deviceId: device.id,
      userId: 'u-1',
      status: 'FAILED',
      statusReason: null,
      phoneNumber: null,
    });
    dispatchRealtime('message.created', makeMessage());
    expect(useDevicesStore().devices).toEqual([]);
    expect(useMessagesStore().items).toEqual([]);
  });

  it('clears everything when the session expires', async () => {
    const { app } = await signInWithData();
    app.expire();
    expect(useSessionStore().signedIn).toBe(false);
    expect(useDevicesStore().devices).toEqual([]);
    expect(app.endReason).toBe('expired');
  });
});
