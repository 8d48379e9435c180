import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { createApiClient, type ApiClient } from '../api/client';

export interface Me {
  userId: string;
  tenantId: string;
  groupId: string;
  username: string;
  permissions: string[];
}

interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Who is signed in. Tokens live in memory only (never localStorage). */
export const useSessionStore = defineStore('session', () => {
  const accessToken = ref<string | null>(null);
  const refreshToken = ref<string | null>(null);
  const me = ref<Me | null>(null);
  const api: ApiClient = createApiClient({ getToken: () => accessToken.value });

  const signedIn = computed(() => me.value !== null);
  const can = (permission: string) => me.value?.permissions.includes(permission) ?? false;

  async function login(tenant: string, username: string, password: string): Promise<void> {
    const tokens = await api.post<TokenResponse>('/auth/login', { tenant, username, password });
    accessToken.value = tokens.accessToken;
    refreshToken.value = tokens.refreshToken;
    me.value = await api.get<Me>('/auth/me');
  }

  async function logout(): Promise<void> {
    if (refreshToken.value)
      await api.post('/auth/logout', { refreshToken: refreshToken.value }).catch(() => undefined);
    accessToken.value = null;
    refreshToken.value = null;
    me.value = null;
  }

  return { accessToken, me, signedIn, can, login, logout, api };
});
