import { createTestingPinia } from '@pinia/testing';
import { describe, expect, it, vi } from 'vitest';
import { createApp, nextTick } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Permission } from '@/api/types';
import { routes } from '@/routes';
import { useSessionStore } from '@/stores/session';
import { makeMe } from '@/test/factories';
import { install } from './router';

function setup(permissions: Permission[] | null) {
  const pinia = createTestingPinia({ createSpy: vi.fn, stubActions: false });
  const session = useSessionStore();
  if (permissions) {
    session.me = makeMe(permissions);
    session.accessToken = 'A';
  }
  const stubbed = routes.map((r) => ({ ...r, component: { render: () => null } })) as never;
  const router = createRouter({ history: createMemoryHistory(), routes: stubbed });
  install({ app: createApp({ render: () => null }), pinia, router });
  return { router, session };
}

describe('router guard', () => {
  it('sends signed-out users to the login page and remembers where they were going', async () => {
    const { router } = setup(null);
    await router.push('/messages');
    expect(router.currentRoute.value.name).toBe('login');
    expect(router.currentRoute.value.query.redirect).toBe('/messages');
  });

  it('keeps users out of pages their permissions do not open', async () => {
    const { router } = setup(['logs:view']);
    await router.push('/admin/users');
    expect(router.currentRoute.value.name).toBe('devices');
    await router.push('/send');
    expect(router.currentRoute.value.name).toBe('devices');
  });

  it('lands users on their first page', async () => {
    const { router } = setup(['messages:send']);
    await router.push('/');
    expect(router.currentRoute.value.name).toBe('send');
  });

  it('leaves the page when the session ends', async () => {
    const { router, session } = setup(['logs:view']);
    await router.push('/messages');
    session.dehydrate();
    await nextTick();
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'));
  });
});
