import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { TenantPermission, User, UserGroup } from '@/api/types';

/** Users and user groups of the tenant (administration). */
export const useIdentityStore = defineStore('identity', () => {
  const users = ref<User[]>([]);
  const groups = ref<UserGroup[]>([]);
  const loadingUsers = ref(false);
  const loadingGroups = ref(false);

  const groupsById = computed(() => new Map(groups.value.map((g) => [g.id, g])));
  const usersById = computed(() => new Map(users.value.map((u) => [u.id, u])));

  async function loadUsers(): Promise<void> {
    loadingUsers.value = true;
    try {
      users.value = await unwrap(client.GET('/users'));
    } finally {
      loadingUsers.value = false;
    }
  }

  async function loadGroups(): Promise<void> {
    loadingGroups.value = true;
    try {
      groups.value = await unwrap(client.GET('/user-groups'));
    } finally {
      loadingGroups.value = false;
    }
  }

  async function createUser(body: { username: string; password: string; groupId: string }): Promise<User> {
    const user = await unwrap(client.POST('/users', { body }));
    users.value = [...users.value, user];
    return user;
  }

  async function changeGroup(userId: string, groupId: string): Promise<void> {
    const user = await unwrap(
      client.PUT('/users/{userId}/group', { params: { path: { userId } }, body: { groupId } }),
    );
    users.value = users.value.map((u) => (u.id === user.id ? user : u));
  }

  async function deleteUser(userId: string): Promise<void> {
    await unwrap(client.DELETE('/users/{userId}', { params: { path: { userId } } }));
    users.value = users.value.filter((u) => u.id !== userId);
  }

  async function createGroup(body: { name: string; permissions: TenantPermission[] }): Promise<UserGroup> {
    const group = await unwrap(client.POST('/user-groups', { body }));
    groups.value = [...groups.value, group];
    return group;
  }

  async function updateGroup(
    id: string,
    body: { name?: string; permissions?: TenantPermission[] },
  ): Promise<void> {
    const group = await unwrap(client.PATCH('/user-groups/{id}', { params: { path: { id } }, body }));
    groups.value = groups.value.map((g) => (g.id === group.id ? group : g));
  }

  async function deleteGroup(id: string): Promise<void> {
    await unwrap(client.DELETE('/user-groups/{id}', { params: { path: { id } } }));
    groups.value = groups.value.filter((g) => g.id !== id);
  }

  function dehydrate(): void {
    users.value = [];
    groups.value = [];
    loadingUsers.value = false;
    loadingGroups.value = false;
  }

  return {
    users,
    groups,
    loadingUsers,
    loadingGroups,
    groupsById,
    usersById,
    loadUsers,
    loadGroups,
    createUser,
    changeGroup,
    deleteUser,
    createGroup,
    updateGroup,
    deleteGroup,
    dehydrate,
  };
});
