import { reactive } from 'vue';
import { client, unwrap } from '@/api/client';
import type { ChatGroup, Contact } from '@/api/types';
import { useRealtime } from '@/composables/use-realtime';
import { usePagedQuery } from '@/composables/use-paged-query';

export interface DirectoryFilters {
  search: string;
  deviceId: string | null;
}

const PAGE_SIZE = 50;

function toQuery(filters: DirectoryFilters, cursor: string | undefined) {
  return {
    search: filters.search.trim() || undefined,
    deviceId: filters.deviceId ?? undefined,
    limit: PAGE_SIZE,
    cursor,
  };
}

/** Contacts or chat groups: search, device filter, keyset pages, and a reload when a sync finished. */
function useDirectory<T>(
  fetchPage: (
    filters: DirectoryFilters,
    cursor?: string,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
  what: string,
) {
  const filters = reactive<DirectoryFilters>({ search: '', deviceId: null });
  const list = usePagedQuery(() => ({ ...filters }), fetchPage, {
    delay: 300,
    errorContext: `Could not load ${what}`,
  });
  const realtime = useRealtime();
  realtime.on('directory.synced', (event) => {
    if (!filters.deviceId || filters.deviceId === event.deviceId) void list.reload();
  });
  realtime.on('realtime.resumed', () => void list.reload());
  return { filters, ...list };
}

export function useContacts() {
  return useDirectory<Contact>(
    (filters, cursor) => unwrap(client.GET('/contacts', { params: { query: toQuery(filters, cursor) } })),
    'contacts',
  );
}

export function useChatGroups() {
  return useDirectory<ChatGroup>(
    (filters, cursor) => unwrap(client.GET('/groups', { params: { query: toQuery(filters, cursor) } })),
    'groups',
  );
}
