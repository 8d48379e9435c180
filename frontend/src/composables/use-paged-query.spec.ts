import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { usePagedQuery } from './use-paged-query';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('usePagedQuery', () => {
  it('loads, appends the next page, and starts over when the query changes', async () => {
    const search = ref('a');
    const fetchPage = vi.fn(async (q: string, cursor?: string) =>
      cursor ? { items: [`${q}3`], nextCursor: null } : { items: [`${q}1`, `${q}2`], nextCursor: 'c1' },
    );
    const scope = effectScope();
    const list = scope.run(() => usePagedQuery(search, fetchPage))!;
    await flush();
    expect(list.items.value).toEqual(['a1', 'a2']);
    await list.loadMore();
    expect(list.items.value).toEqual(['a1', 'a2', 'a3']);
    expect(fetchPage).toHaveBeenLastCalledWith('a', 'c1');
    expect(list.nextCursor.value).toBeNull();

    search.value = 'b';
    await nextTick();
    await flush();
    expect(list.items.value).toEqual(['b1', 'b2']);
    scope.stop();
  });

  it('drops the answer of a superseded query', async () => {
    const search = ref('slow');
    let release!: () => void;
    const fetchPage = vi.fn((q: string) =>
      q === 'slow'
        ? new Promise<{ items: string[]; nextCursor: null }>((resolve) => {
            release = () => resolve({ items: ['stale'], nextCursor: null });
          })
        : Promise.resolve({ items: ['fresh'], nextCursor: null }),
    );
    const scope = effectScope();
    const list = scope.run(() => usePagedQuery(search, fetchPage))!;
    search.value = 'fast';
    await nextTick();
    await flush();
    release();
    await flush();
    expect(list.items.value).toEqual(['fresh']);
    scope.stop();
  });
});
