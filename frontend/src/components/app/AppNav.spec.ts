import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Permission } from '@/api/types';
import { routes } from '@/routes';
import { useSessionStore } from '@/stores/session';
import { makeMe } from '@/test/factories';
import AppNav from './AppNav.vue';

async function navFor(permissions: Permission[]): Promise<string[]> {
  const pinia = createTestingPinia({ createSpy: vi.fn, stubActions: false });
  useSessionStore().me = makeMe(permissions);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: routes.map((r) => ({ ...r, component: { render: () => null } })) as never,
  });
  await router.push('/login');
  const wrapper = mount(AppNav, { global: { plugins: [pinia, router] } });
  await flushPromises();
  return wrapper.findAll('[data-nav]').map((a) => a.attributes('data-nav')!);
}

describe('AppNav (permission-gated navigation)', () => {
  it('shows a Viewer only the read-only WhatsApp pages', async () => {
    expect(await navFor(['logs:view'])).toEqual(['devices', 'messages', 'chats', 'contacts', 'chat-groups']);
  });

  it('shows the Send page to whoever may send', async () => {
    expect(await navFor(['messages:send'])).toEqual(['send']);
  });

  it('shows an Admin the administration pages, but not tenants', async () => {
    const nav = await navFor(['users:manage', 'groups:manage', 'devices:link', 'messages:send', 'logs:view']);
    expect(nav).toEqual([
      'devices',
      'send',
      'messages',
      'chats',
      'contacts',
      'chat-groups',
      'users',
      'user-groups',
      'audit',
    ]);
  });

  it('shows Tenants to the platform operator', async () => {
    expect(await navFor(['tenants:manage'])).toEqual(['tenants']);
  });
});
