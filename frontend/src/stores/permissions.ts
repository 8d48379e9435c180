import { defineStore } from 'pinia';
import { computed } from 'vue';
import type { Permission } from '@/api/types';
import { useSessionStore } from './session';

/** UI permission checks (what to show). The server stays the authority on what is allowed. */
export const usePermissionsStore = defineStore('permissions', () => {
  const session = useSessionStore();
  const granted = computed(() => new Set<Permission>(session.me?.permissions ?? []));

  function can(permission: Permission): boolean {
    return granted.value.has(permission);
  }

  function canAny(permissions: readonly Permission[]): boolean {
    return permissions.length === 0 || permissions.some((p) => granted.value.has(p));
  }

  // Derived from the session: nothing of its own to load or forget.
  function hydrate(): void {}
  function dehydrate(): void {}

  return { granted, can, canAny, hydrate, dehydrate };
});
