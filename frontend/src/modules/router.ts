import { watch } from 'vue';
import { createRouter, createWebHistory, type Router } from 'vue-router';
import { homeRoute, routes } from '@/routes';
import { usePermissionsStore } from '@/stores/permissions';
import { useSessionStore } from '@/stores/session';
import type { UserModule } from './types';

export function createAppRouter(): Router {
  return createRouter({ history: createWebHistory(), routes, scrollBehavior: () => ({ top: 0 }) });
}

/**
 * Auth guard + permission meta: signed-out users go to the login page (and come back afterwards), pages need
 * one of their `meta.permissions`. When the session ends (sign-out, expiry) or permissions shrink, the current
 * page is re-checked.
 */
export const install: UserModule = ({ app, pinia, router }) => {
  const session = useSessionStore(pinia);
  const permissions = usePermissionsStore(pinia);

  router.beforeEach((to) => {
    if (to.meta.public) return to.name === 'login' && session.signedIn ? homeRoute(permissions.canAny) : true;
    if (!session.signedIn) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    if (to.name === 'home') {
      const home = homeRoute(permissions.canAny);
      return home.name === 'home' ? true : home;
    }
    if (to.meta.permissions && !permissions.canAny(to.meta.permissions)) return homeRoute(permissions.canAny);
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · WhatsApp Portal` : 'WhatsApp Portal';
  });

  watch(
    () => [session.signedIn, session.me?.permissions] as const,
    () => {
      const current = router.currentRoute.value;
      if (current.matched.length === 0) return; // initial navigation still pending
      void router.replace({ path: current.fullPath, force: true }).catch(() => undefined);
    },
  );

  app.use(router);
};
