import { createTestingPinia } from '@pinia/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRealtime } from '@/composables/use-realtime';
import { clientMock, ok } from '@/test/api-mock';
import { makeMessage } from '@/test/factories';
import { useMessagesStore } from './messages';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const at = (minute: number) => `2026-12-04T10:${String(minute).padStart(2, '0')}:00.000Z`;
const msg = (id: string, minute: number, extra: Partial<ReturnType<typeof makeMessage>> = {}) =>
  makeMessage({ id, createdAt: at(minute), updatedAt: at(minute), ...extra });

describe('messages store', () => {
  beforeEach(() => {
    createTestingPinia({ createSpy: vi.fn, stubActions: false });
  });

  async function loaded(items: ReturnType<typeof makeMessage>[], nextCursor: string | null = null) {
    const store = useMessagesStore();
    store.hydrate();
    clientMock.GET.mockReturnValueOnce(ok({ items, nextCursor }));
    await store.load({});
    return store;
  }

  it('loads with filters and appends keyset pages without duplicates', async () => {
    const store = useMessagesStore();
    clientMock.GET.mockReturnValueOnce(ok({ items: [msg('c', 3), msg('b', 2)], nextCursor: 'cur1' }));
    await store.load({ direction: 'outbound', status: 'failed', since: at(0) });
    expect(clientMock.GET).toHaveBeenCalledWith('/messages', {
      params: {
        query: expect.objectContaining({
          direction: 'outbound',
          status: 'failed',
          since: at(0),
          cursor: undefined,
        }),
      },
    });
    clientMock.GET.mockReturnValueOnce(ok({ items: [msg('b', 2), msg('a', 1)], nextCursor: null }));
    await store.loadMore();
    expect(clientMock.GET).toHaveBeenLastCalledWith('/messages', {
      params: { query: expect.objectContaining({ cursor: 'cur1' }) },
    });
    expect(store.items.map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(store.nextCursor).toBeNull();
  });

  it('merges message.updated in place, keeping the keyset order', async () => {
    const store = await loaded([msg('c', 3), msg('b', 2, { status: 'queued' }), msg('a', 1)]);
    dispatchRealtime('message.updated', msg('b', 2, { status: 'delivered', updatedAt: at(5) }));
    expect(store.items.map((m) => [m.id, m.status])).toEqual([
      ['c', 'queued'],
      ['b', 'delivered'],
      ['a', 'queued'],
    ]);
  });

  it('ignores an update older than what it has', async () => {
    const store = await loaded([msg('b', 2, { status: 'read', updatedAt: at(9) })]);
    dispatchRealtime('message.updated', msg('b', 2, { status: 'sent', updatedAt: at(4) }));
    expect(store.items[0]!.status).toBe('read');
  });

  it('inserts message.created where the server would list it', async () => {
    const store = await loaded([msg('c', 3), msg('a', 1)]);
    dispatchRealtime('message.created', msg('z', 9));
    dispatchRealtime('message.created', msg('b', 2));
    expect(store.items.map((m) => m.id)).toEqual(['z', 'c', 'b', 'a']);
  });

  it('leaves messages older than the loaded page to "load more"', async () => {
    const store = await loaded([msg('c', 3), msg('b', 2)], 'more');
    dispatchRealtime('message.created', msg('a', 1));
    expect(store.items.map((m) => m.id)).toEqual(['c', 'b']);
  });

  it('respects the filters for live messages', async () => {
    const store = useMessagesStore();
    store.hydrate();
    clientMock.GET.mockReturnValueOnce(ok({ items: [], nextCursor: null }));
    await store.load({ direction: 'inbound', deviceId: 'd-1' });
    dispatchRealtime('message.created', msg('out', 5, { direction: 'outbound' }));
    dispatchRealtime('message.created', msg('other', 5, { direction: 'inbound', deviceId: 'd-2' }));
    dispatchRealtime('message.created', msg('in', 5, { direction: 'inbound', status: 'received' }));
    expect(store.items.map((m) => m.id)).toEqual(['in']);
  });

  it('drops a message whose new status no longer matches the status filter', async () => {
    const store = useMessagesStore();
    store.hydrate();
    clientMock.GET.mockReturnValueOnce(ok({ items: [msg('q', 1, { status: 'queued' })], nextCursor: null }));
    await store.load({ status: 'queued' });
    dispatchRealtime('message.updated', msg('q', 1, { status: 'sent', updatedAt: at(2) }));
    expect(store.items).toEqual([]);
  });

  it('reads the log again after the live connection comes back, even if the first read failed', async () => {
    const store = useMessagesStore();
    store.hydrate();
    clientMock.GET.mockReturnValueOnce(Promise.reject(new Error('offline')));
    await expect(store.load({})).rejects.toThrow('offline');
    clientMock.GET.mockReturnValueOnce(ok({ items: [msg('a', 1)], nextCursor: null }));
    dispatchRealtime('realtime.resumed', {});
    await vi.waitFor(() => expect(store.items.map((m) => m.id)).toEqual(['a']));
  });

  it('drops the answer for superseded filters', async () => {
    const store = useMessagesStore();
    let release!: (value: unknown) => void;
    clientMock.GET.mockReturnValueOnce(new Promise((resolve) => (release = resolve)));
    const first = store.load({ status: 'failed' });
    clientMock.GET.mockReturnValueOnce(ok({ items: [msg('new', 2)], nextCursor: null }));
    await store.load({ status: 'sent' });
    release(await ok({ items: [msg('old', 1)], nextCursor: null }));
    await first;
    expect(store.items.map((m) => m.id)).toEqual(['new']);
  });
});
