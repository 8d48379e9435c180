import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { client, unwrap } from '@/api/client';
import type { Me, Tokens } from '@/api/types';

/** Refresh this long before the access token runs out, so calls and the socket never meet an expired one. */
const REFRESH_MARGIN = 0.2;

/**
 * Who is signed in. Tokens live in memory only (never localStorage): a reload signs out, and nothing of one
 * tenant survives into the next sign-in.
 */
export const useSessionStore = defineStore('session', () => {
  const accessToken = ref<string | null>(null);
  const refreshToken = ref<string | null>(null);
  const expiresAt = ref<number | null>(null);
  const me = shallowRef<Me | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<boolean> | null = null;

  const signedIn = computed(() => me.value !== null && accessToken.value !== null);

  function setTokens(tokens: Tokens): void {
    accessToken.value = tokens.accessToken;
    refreshToken.value = tokens.refreshToken;
    expiresAt.value = Date.now() + tokens.expiresIn * 1000;
    clearTimeout(timer);
    const delay = Math.max(tokens.expiresIn * (1 - REFRESH_MARGIN) * 1000, 5_000);
    timer = setTimeout(() => void refresh(), delay);
  }

  async function login(tenant: string, username: string, password: string): Promise<void> {
    dehydrate();
    const tokens = await unwrap(client.POST('/auth/login', { body: { tenant, username, password } }));
    setTokens(tokens);
    try {
      await loadMe();
    } catch (error) {
      dehydrate();
      throw error;
    }
  }

  async function loadMe(): Promise<void> {
    me.value = await unwrap(client.GET('/auth/me'));
  }

  /** Rotates the refresh token (single flight). Resolves false when the session cannot go on. */
  function refresh(): Promise<boolean> {
    const presented = refreshToken.value;
    if (!presented) return Promise.resolve(false);
    refreshing ??= (async () => {
      try {
        const tokens = await unwrap(client.POST('/auth/refresh', { body: { refreshToken: presented } }));
        if (refreshToken.value !== presented) return false; // signed out meanwhile
        setTokens(tokens);
        // Group changes apply to the next request: keep the menus in step with them.
        void loadMe().catch(() => undefined);
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /**
   * Revokes the refresh token family on the server (best effort, and authenticated: it needs the access token,
   * so it goes first) and forgets everything locally.
   */
  async function logout(): Promise<void> {
    const presented = refreshToken.value;
    clearTimeout(timer);
    if (presented && accessToken.value) {
      await unwrap(
        client.POST('/auth/logout', {
          body: { refreshToken: presented },
          signal: AbortSignal.timeout(5_000),
        }),
      ).catch(() => undefined);
    }
    dehydrate();
  }

  function dehydrate(): void {
    clearTimeout(timer);
    timer = undefined;
    accessToken.value = null;
    refreshToken.value = null;
    expiresAt.value = null;
    me.value = null;
  }

  return { accessToken, refreshToken, expiresAt, me, signedIn, login, loadMe, refresh, logout, dehydrate };
});
