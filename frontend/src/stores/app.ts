import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, type ApiHealth } from '@/api/client';
import { disconnectRealtime } from '@/composables/use-realtime';
import { useChatsStore } from '@/features/chats/stores/chats';
import { useDevicesStore } from '@/features/devices/stores/devices';
import { useIdentityStore } from '@/features/identity/stores/identity';
import { useMessagesStore } from '@/features/messages/stores/messages';
import { useTenantsStore } from '@/features/tenants/stores/tenants';
import { notifyError } from '@/utils/notify-error';
import { usePermissionsStore } from './permissions';
import { useSessionStore } from './session';

const HEALTH_POLL_MS = 10_000;

/**
 * Orchestrates the other stores: hydrate after sign-in, dehydrate on sign-out or when the session ends, so
 * nothing of one tenant is left for the next user. Also holds the API's reachability for the banner.
 */
export const useAppStore = defineStore('app', () => {
  const apiHealth = ref<ApiHealth>('ok');
  /** Why the last session ended, for the login page. */
  const endReason = ref<'expired' | 'signed-out' | null>(null);
  let healthTimer: ReturnType<typeof setInterval> | undefined;

  function stores() {
    return [
      usePermissionsStore(),
      useDevicesStore(),
      useMessagesStore(),
      useChatsStore(),
      useIdentityStore(),
      useTenantsStore(),
    ];
  }

  async function signIn(tenant: string, username: string, password: string): Promise<void> {
    dehydrate();
    await useSessionStore().login(tenant, username, password);
    endReason.value = null;
    await hydrate();
  }

  async function hydrate(): Promise<void> {
    // The socket itself follows the session (modules/socket.ts); stores subscribe to its events here.
    const permissions = usePermissionsStore();
    permissions.hydrate();
    if (!permissions.can('logs:view')) return;
    useMessagesStore().hydrate();
    useChatsStore().hydrate();
    await useDevicesStore()
      .hydrate()
      .catch((error: unknown) => notifyError(error, 'Could not load your devices'));
  }

  /** Signs out on the server (revoking the refresh token family) and forgets everything locally. */
  async function signOut(): Promise<void> {
    const session = useSessionStore();
    dehydrate();
    await session.logout();
    endReason.value = 'signed-out';
  }

  /** The session cannot be refreshed any more: forget everything, the router shows the login page. */
  function expire(): void {
    const session = useSessionStore();
    if (!session.signedIn) return;
    dehydrate();
    session.dehydrate();
    endReason.value = 'expired';
  }

  /** Clears every store but the session (which `logout` revokes first). */
  function dehydrate(): void {
    disconnectRealtime();
    for (const store of stores()) store.dehydrate();
  }

  function setApiHealth(health: ApiHealth): void {
    apiHealth.value = health;
    if (health === 'ok') {
      clearInterval(healthTimer);
      healthTimer = undefined;
    } else {
      // Poll until the API answers again; every answer reports through the client.
      healthTimer ??= setInterval(() => void client.GET('/health').catch(() => undefined), HEALTH_POLL_MS);
    }
  }

  return { apiHealth, endReason, signIn, hydrate, signOut, expire, dehydrate, setApiHealth };
});
