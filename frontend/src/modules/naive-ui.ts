import { createDiscreteApi, darkTheme, type GlobalThemeOverrides } from 'naive-ui';
import { computed, ref } from 'vue';
import { setErrorSink } from '@/utils/notify-error';
import type { UserModule } from './types';

const media = typeof window !== 'undefined' ? window.matchMedia?.('(prefers-color-scheme: dark)') : undefined;

/** Light or dark, following the system (and its changes) live. */
export const prefersDark = ref(media?.matches ?? false);
media?.addEventListener?.('change', (event) => (prefersDark.value = event.matches));

export const theme = computed(() => (prefersDark.value ? darkTheme : null));

const brand = { primary: '#0f9f6e', hover: '#14b47d', pressed: '#0b8259' };

export const themeOverrides = computed<GlobalThemeOverrides>(() => ({
  common: {
    primaryColor: brand.primary,
    primaryColorHover: brand.hover,
    primaryColorPressed: brand.pressed,
    primaryColorSuppl: brand.hover,
    borderRadius: '8px',
    fontFamily:
      'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    ...(prefersDark.value ? { bodyColor: '#0f1115', cardColor: '#171a21', modalColor: '#1b1f27' } : {}),
  },
  Layout: prefersDark.value ? { siderColor: '#12151b', headerColor: '#12151b' } : { siderColor: '#fbfcfd' },
}));

export const install: UserModule = () => {
  // Lets naive-ui insert its styles before ours, so scoped CSS can override it.
  const meta = document.createElement('meta');
  meta.name = 'naive-ui-style';
  document.head.appendChild(meta);

  const { notification } = createDiscreteApi(['notification'], {
    configProviderProps: computed(() => ({ theme: theme.value, themeOverrides: themeOverrides.value })),
  });
  setErrorSink((error, context) =>
    notification.error({
      title: context ?? error.title,
      content: context ? error.title : error.detail,
      meta: context ? error.detail : undefined,
      duration: 7000,
      keepAliveOnHover: true,
    }),
  );
};
