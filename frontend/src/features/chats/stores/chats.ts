import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { Chat, Message } from '@/api/types';
import { onRealtime } from '@/composables/use-realtime';
import { insertNewestFirst, newestFirst } from '@/utils/keyset';

export interface Thread {
  chatId: string;
  deviceId: string;
  /** Newest first, as the API pages them; the view shows them reversed. */
  items: Message[];
  nextCursor: string | null;
  loading: boolean;
  loaded: boolean;
}

const CHATS_PAGE = 50;
const THREAD_PAGE = 40;

export const threadKey = (deviceId: string, chatId: string) => `${deviceId}|${chatId}`;

/** Chats with their last message, and the threads opened from them; live incoming messages land in both. */
export const useChatsStore = defineStore('chats', () => {
  const chats = ref<Chat[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loaded = ref(false);
  const threads = ref<Record<string, Thread>>({});
  let offs: Array<() => void> = [];
  let requested = false; // the list was asked for (even if that failed): worth re-reading after a drop

  function hydrate(): void {
    offs.forEach((off) => off());
    offs = [
      onRealtime('message.created', (m) => apply(m, true)),
      onRealtime('message.updated', (m) => apply(m, false)),
      onRealtime('realtime.resumed', () => void (requested && loadChats().catch(() => undefined))),
    ];
  }

  async function loadChats(): Promise<void> {
    requested = true;
    loading.value = true;
    try {
      const page = await unwrap(client.GET('/chats', { params: { query: { limit: CHATS_PAGE } } }));
      chats.value = page.items;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function loadMoreChats(): Promise<void> {
    if (!nextCursor.value || loading.value) return;
    loading.value = true;
    try {
      const query = { limit: CHATS_PAGE, cursor: nextCursor.value };
      const page = await unwrap(client.GET('/chats', { params: { query } }));
      const seen = new Set(chats.value.map((c) => threadKey(c.deviceId, c.chatId)));
      chats.value = [...chats.value, ...page.items.filter((c) => !seen.has(threadKey(c.deviceId, c.chatId)))];
      nextCursor.value = page.nextCursor;
    } finally {
      loading.value = false;
    }
  }

  /** Loads the newest page of a chat (again, if it was open before). */
  async function openThread(deviceId: string, chatId: string): Promise<Thread> {
    const key = threadKey(deviceId, chatId);
    threads.value[key] ??= { chatId, deviceId, items: [], nextCursor: null, loading: false, loaded: false };
    const thread = threads.value[key]!;
    thread.loading = true;
    try {
      const page = await unwrap(
        client.GET('/chats/{chatId}/messages', {
          params: { path: { chatId }, query: { deviceId, limit: THREAD_PAGE } },
        }),
      );
      thread.items = page.items;
      thread.nextCursor = page.nextCursor;
      thread.loaded = true;
    } finally {
      thread.loading = false;
    }
    return thread;
  }

  async function loadOlder(deviceId: string, chatId: string): Promise<void> {
    const thread = threads.value[threadKey(deviceId, chatId)];
    if (!thread?.nextCursor || thread.loading) return;
    thread.loading = true;
    try {
      const page = await unwrap(
        client.GET('/chats/{chatId}/messages', {
          params: { path: { chatId }, query: { deviceId, limit: THREAD_PAGE, cursor: thread.nextCursor } },
        }),
      );
      const seen = new Set(thread.items.map((m) => m.id));
      thread.items = [...thread.items, ...page.items.filter((m) => !seen.has(m.id))];
      thread.nextCursor = page.nextCursor;
    } finally {
      thread.loading = false;
    }
  }

  function apply(message: Message, created: boolean): void {
    const thread = threads.value[threadKey(message.deviceId, message.chatId)];
    if (thread?.loaded) {
      const index = thread.items.findIndex((m) => m.id === message.id);
      if (index >= 0) thread.items[index] = { ...thread.items[index]!, ...message };
      else thread.items = insertNewestFirst(thread.items, message, thread.nextCursor === null);
    }
    if (!loaded.value) return;
    const index = chats.value.findIndex(
      (c) => c.chatId === message.chatId && c.deviceId === message.deviceId,
    );
    if (index === -1) {
      if (created)
        chats.value = [
          { chatId: message.chatId, deviceId: message.deviceId, name: null, lastMessage: message },
          ...chats.value,
        ];
      return;
    }
    const chat = chats.value[index]!;
    const last = chat.lastMessage;
    if (last && last.id !== message.id && newestFirst(message, last) > 0) return; // an older message changed
    const updated = { ...chat, lastMessage: last?.id === message.id ? { ...last, ...message } : message };
    chats.value = [updated, ...chats.value.filter((_, i) => i !== index)];
  }

  function dehydrate(): void {
    offs.forEach((off) => off());
    offs = [];
    requested = false;
    chats.value = [];
    nextCursor.value = null;
    loading.value = false;
    loaded.value = false;
    threads.value = {};
  }

  return {
    chats,
    nextCursor,
    loading,
    loaded,
    threads,
    hydrate,
    loadChats,
    loadMoreChats,
    openThread,
    loadOlder,
    apply,
    dehydrate,
  };
});
