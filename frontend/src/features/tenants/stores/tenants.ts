import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { CreatedTenant, Tenant } from '@/api/types';

/** Tenants, for the platform operator (`tenants:manage`). */
export const useTenantsStore = defineStore('tenants', () => {
  const tenants = ref<Tenant[]>([]);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      tenants.value = await unwrap(client.GET('/tenants'));
    } finally {
      loading.value = false;
    }
  }

  async function create(body: {
    name: string;
    slug: string;
    admin: { username: string; password: string };
  }): Promise<CreatedTenant> {
    const created = await unwrap(client.POST('/tenants', { body }));
    await load().catch(() => undefined); // the list shows status and creation time the create answer lacks
    return created;
  }

  function dehydrate(): void {
    tenants.value = [];
    loading.value = false;
  }

  return { tenants, loading, load, create, dehydrate };
});
