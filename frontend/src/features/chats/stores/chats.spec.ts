import { createTestingPinia } from '@pinia/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRealtime } from '@/composables/use-realtime';
import { clientMock, ok } from '@/test/api-mock';
import { makeChat, makeMessage } from '@/test/factories';
import { threadKey, useChatsStore } from './chats';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const at = (minute: number) => `2026-12-04T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('chats store', () => {
  beforeEach(() => {
    createTestingPinia({ createSpy: vi.fn, stubActions: false });
  });

  it('moves a chat to the top and appends to its open thread when a message arrives', async () => {
    const store = useChatsStore();
    store.hydrate();
    const alice = makeChat({
      chatId: '491@c.us',
      lastMessage: makeMessage({ chatId: '491@c.us', createdAt: at(5) }),
    });
    const bob = makeChat({
      chatId: '492@c.us',
      lastMessage: makeMessage({ chatId: '492@c.us', createdAt: at(1) }),
    });
    clientMock.GET.mockReturnValueOnce(ok({ items: [alice, bob], nextCursor: null }));
    await store.loadChats();
    const older = makeMessage({ id: 'old', chatId: '492@c.us', createdAt: at(1) });
    clientMock.GET.mockReturnValueOnce(ok({ items: [older], nextCursor: 'c' }));
    await store.openThread('d-1', '492@c.us');
    expect(clientMock.GET).toHaveBeenLastCalledWith('/chats/{chatId}/messages', {
      params: { path: { chatId: '492@c.us' }, query: { deviceId: 'd-1', limit: 40 } },
    });

    const incoming = makeMessage({
      id: 'new',
      chatId: '492@c.us',
      direction: 'inbound',
      status: 'received',
      createdAt: at(9),
    });
    dispatchRealtime('message.created', incoming);

    expect(store.chats.map((c) => c.chatId)).toEqual(['492@c.us', '491@c.us']);
    expect(store.chats[0]!.lastMessage?.id).toBe('new');
    expect(store.threads[threadKey('d-1', '492@c.us')]!.items.map((m) => m.id)).toEqual(['new', 'old']);
  });

  it('adds a chat it has not seen yet', async () => {
    const store = useChatsStore();
    store.hydrate();
    clientMock.GET.mockReturnValueOnce(ok({ items: [], nextCursor: null }));
    await store.loadChats();
    dispatchRealtime('message.created', makeMessage({ chatId: '499@c.us' }));
    expect(store.chats).toEqual([expect.objectContaining({ chatId: '499@c.us', name: null })]);
  });

  it('loads older messages of a thread with the cursor', async () => {
    const store = useChatsStore();
    clientMock.GET.mockReturnValueOnce(
      ok({ items: [makeMessage({ id: 'b', createdAt: at(2) })], nextCursor: 'c1' }),
    );
    await store.openThread('d-1', '491@c.us');
    clientMock.GET.mockReturnValueOnce(
      ok({ items: [makeMessage({ id: 'a', createdAt: at(1) })], nextCursor: null }),
    );
    await store.loadOlder('d-1', '491@c.us');
    const thread = store.threads[threadKey('d-1', '491@c.us')]!;
    expect(thread.items.map((m) => m.id)).toEqual(['b', 'a']);
    expect(thread.nextCursor).toBeNull();
  });
});
