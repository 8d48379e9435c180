import type { RouteRecordRaw } from 'vue-router';
import type { Permission } from '@/api/types';
import type { IconName } from '@/components/base/icons';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in (the login page). */
    public?: boolean;
    /** Any one of these is enough; none listed = every signed-in user. The server checks again. */
    permissions?: Permission[];
    title?: string;
    /** Shown in the navigation, in this section. */
    nav?: { section: 'WhatsApp' | 'Administration'; label: string; icon: IconName };
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/pages/LoginPage.vue'),
    meta: { public: true, title: 'Sign in' },
  },
  { path: '/', name: 'home', component: () => import('@/pages/NoAccessPage.vue'), meta: { title: 'Home' } },
  {
    path: '/devices',
    name: 'devices',
    component: () => import('@/pages/DevicesPage.vue'),
    meta: {
      permissions: ['logs:view'],
      title: 'Devices',
      nav: { section: 'WhatsApp', label: 'Devices', icon: 'phone' },
    },
  },
  {
    path: '/send',
    name: 'send',
    component: () => import('@/pages/SendPage.vue'),
    meta: {
      permissions: ['messages:send'],
      title: 'Send',
      nav: { section: 'WhatsApp', label: 'Send', icon: 'send' },
    },
  },
  {
    path: '/messages',
    name: 'messages',
    component: () => import('@/pages/MessagesPage.vue'),
    meta: {
      permissions: ['logs:view'],
      title: 'Messages',
      nav: { section: 'WhatsApp', label: 'Messages', icon: 'list' },
    },
  },
  {
    path: '/chats/:deviceId?/:chatId?',
    name: 'chats',
    component: () => import('@/pages/ChatsPage.vue'),
    meta: {
      permissions: ['logs:view'],
      title: 'Chats',
      nav: { section: 'WhatsApp', label: 'Chats', icon: 'chat' },
    },
  },
  {
    path: '/contacts',
    name: 'contacts',
    component: () => import('@/pages/ContactsPage.vue'),
    meta: {
      permissions: ['logs:view'],
      title: 'Contacts',
      nav: { section: 'WhatsApp', label: 'Contacts', icon: 'contact' },
    },
  },
  {
    path: '/groups',
    name: 'chat-groups',
    component: () => import('@/pages/ChatGroupsPage.vue'),
    meta: {
      permissions: ['logs:view'],
      title: 'Groups',
      nav: { section: 'WhatsApp', label: 'Groups', icon: 'group' },
    },
  },
  {
    path: '/admin/users',
    name: 'users',
    component: () => import('@/pages/UsersPage.vue'),
    meta: {
      permissions: ['users:manage'],
      title: 'Users',
      nav: { section: 'Administration', label: 'Users', icon: 'contact' },
    },
  },
  {
    path: '/admin/user-groups',
    name: 'user-groups',
    component: () => import('@/pages/UserGroupsPage.vue'),
    meta: {
      permissions: ['groups:manage'],
      title: 'User groups',
      nav: { section: 'Administration', label: 'User groups', icon: 'shield' },
    },
  },
  {
    path: '/admin/audit',
    name: 'audit',
    component: () => import('@/pages/AuditPage.vue'),
    meta: {
      permissions: ['users:manage'],
      title: 'Audit log',
      nav: { section: 'Administration', label: 'Audit log', icon: 'history' },
    },
  },
  {
    path: '/admin/tenants',
    name: 'tenants',
    component: () => import('@/pages/TenantsPage.vue'),
    meta: {
      permissions: ['tenants:manage'],
      title: 'Tenants',
      nav: { section: 'Administration', label: 'Tenants', icon: 'building' },
    },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/pages/NotFoundPage.vue'),
    meta: { title: 'Not found' },
  },
];

export interface NavItem {
  name: string;
  label: string;
  icon: IconName;
  section: 'WhatsApp' | 'Administration';
  permissions: Permission[];
}

export const navItems: NavItem[] = routes.flatMap((r) =>
  r.meta?.nav && typeof r.name === 'string'
    ? [{ name: r.name, ...r.meta.nav, permissions: r.meta.permissions ?? [] }]
    : [],
);

/** Where a user lands after signing in: the first page their permissions open. */
export function homeRoute(canAny: (permissions: Permission[]) => boolean): { name: string } {
  const first = navItems.find((item) => canAny(item.permissions));
  return { name: first?.name ?? 'home' };
}
