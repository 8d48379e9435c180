import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { Message, MessageDirection, MessageStatus } from '@/api/types';
import { onRealtime } from '@/composables/use-realtime';
import { insertNewestFirst } from '@/utils/keyset';

export interface MessageFilters {
  deviceId?: string | null;
  chatId?: string | null;
  direction?: MessageDirection | null;
  status?: MessageStatus | null;
  /** ISO 8601, inclusive. */
  since?: string | null;
  /** ISO 8601, exclusive. */
  until?: string | null;
}

const PAGE_SIZE = 50;

function toQuery(filters: MessageFilters, cursor?: string) {
  return {
    limit: PAGE_SIZE,
    cursor,
    deviceId: filters.deviceId || undefined,
    chatId: filters.chatId?.trim() || undefined,
    direction: filters.direction || undefined,
    status: filters.status || undefined,
    since: filters.since || undefined,
    until: filters.until || undefined,
  };
}

/** The message log: filtered, keyset-paginated, newest first, patched live by message.created/updated. */
export const useMessagesStore = defineStore('messages', () => {
  const filters = ref<MessageFilters>({});
  const items = ref<Message[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loaded = ref(false);
  let generation = 0; // responses for superseded filters are dropped
  let requested = false; // the log was asked for (even if that failed): worth re-reading after a drop
  let offs: Array<() => void> = [];

  function hydrate(): void {
    offs.forEach((off) => off());
    offs = [
      onRealtime('message.created', applyCreated),
      onRealtime('message.updated', applyUpdated),
      onRealtime('realtime.resumed', () => void (requested && load().catch(() => undefined))),
    ];
  }

  async function load(next?: MessageFilters): Promise<void> {
    if (next) filters.value = { ...next };
    requested = true;
    const current = ++generation;
    loading.value = true;
    try {
      const page = await unwrap(client.GET('/messages', { params: { query: toQuery(filters.value) } }));
      if (current !== generation) return;
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loading.value) return;
    const current = generation;
    loading.value = true;
    try {
      const page = await unwrap(
        client.GET('/messages', { params: { query: toQuery(filters.value, cursor) } }),
      );
      if (current !== generation) return;
      const seen = new Set(items.value.map((m) => m.id));
      items.value = [...items.value, ...page.items.filter((m) => !seen.has(m.id))];
      nextCursor.value = page.nextCursor;
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  function matches(message: Message): boolean {
    const f = filters.value;
    const at = Date.parse(message.createdAt);
    return (
      (!f.deviceId || message.deviceId === f.deviceId) &&
      (!f.chatId?.trim() || message.chatId === f.chatId.trim()) &&
      (!f.direction || message.direction === f.direction) &&
      (!f.status || message.status === f.status) &&
      (!f.since || at >= Date.parse(f.since)) &&
      (!f.until || at < Date.parse(f.until))
    );
  }

  function upsert(message: Message): void {
    if (!loaded.value) return;
    const index = items.value.findIndex((m) => m.id === message.id);
    if (index === -1) {
      if (matches(message)) items.value = insertNewestFirst(items.value, message, nextCursor.value === null);
      return;
    }
    const existing = items.value[index]!;
    // Events can overtake each other: never let an older state overwrite a newer one.
    if (Date.parse(existing.updatedAt) > Date.parse(message.updatedAt)) return;
    if (!matches(message)) {
      items.value = items.value.filter((m) => m.id !== message.id);
      return;
    }
    items.value[index] = { ...existing, ...message };
  }

  function applyCreated(message: Message): void {
    upsert(message);
  }

  function applyUpdated(message: Message): void {
    upsert(message);
  }

  function dehydrate(): void {
    offs.forEach((off) => off());
    offs = [];
    generation++;
    requested = false;
    filters.value = {};
    items.value = [];
    nextCursor.value = null;
    loading.value = false;
    loaded.value = false;
  }

  return {
    filters,
    items,
    nextCursor,
    loading,
    loaded,
    hydrate,
    load,
    loadMore,
    applyCreated,
    applyUpdated,
    dehydrate,
  };
});
