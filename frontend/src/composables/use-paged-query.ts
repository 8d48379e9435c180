import { ref, shallowRef, watch, type Ref, type WatchSource } from 'vue';
import type { Page } from '@/api/types';
import { notifyError } from '@/utils/notify-error';

export interface PagedQuery<T> {
  items: Ref<T[]>;
  nextCursor: Ref<string | null>;
  loading: Ref<boolean>;
  error: Ref<unknown>;
  /** First page again (filters changed, or the data did). */
  reload: () => Promise<void>;
  loadMore: () => Promise<void>;
}

/**
 * A keyset-paginated list owned by one component: reloads when `source` changes (debounced by `delay` ms),
 * drops answers for superseded queries, appends pages for "load more".
 */
export function usePagedQuery<T, Q>(
  source: WatchSource<Q>,
  fetchPage: (query: Q, cursor: string | undefined) => Promise<Page<T>>,
  options: { delay?: number; errorContext?: string } = {},
): PagedQuery<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>;
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  let query: Q;
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function run(cursor: string | undefined): Promise<void> {
    const current = cursor ? generation : ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(query, cursor);
      if (current !== generation) return;
      items.value = cursor ? [...items.value, ...page.items] : page.items;
      nextCursor.value = page.nextCursor;
    } catch (e) {
      if (current !== generation) return;
      error.value = e;
      notifyError(e, options.errorContext);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  const reload = () => run(undefined);
  const loadMore = () => (nextCursor.value && !loading.value ? run(nextCursor.value) : Promise.resolve());

  watch(
    source,
    (next, previous) => {
      query = next;
      clearTimeout(timer);
      if (previous === undefined || !options.delay) void reload();
      else timer = setTimeout(() => void reload(), options.delay);
    },
    { immediate: true, deep: true },
  );

  return { items, nextCursor, loading, error, reload, loadMore };
}
