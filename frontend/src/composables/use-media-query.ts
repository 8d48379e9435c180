import { onScopeDispose, ref, type Ref } from 'vue';

/** Whether a media query matches, kept current. */
export function useMediaQuery(query: string): Readonly<Ref<boolean>> {
  const media = typeof window !== 'undefined' ? window.matchMedia?.(query) : undefined;
  const matches = ref(media?.matches ?? false);
  const update = (event: MediaQueryListEvent) => (matches.value = event.matches);
  media?.addEventListener?.('change', update);
  onScopeDispose(() => media?.removeEventListener?.('change', update));
  return matches;
}

export const useIsMobile = () => useMediaQuery('(max-width: 768px)');
