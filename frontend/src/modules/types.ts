import type { App } from 'vue';
import type { Pinia } from 'pinia';
import type { Router } from 'vue-router';

export interface ModuleContext {
  app: App;
  pinia: Pinia;
  router: Router;
}

/** Each src/modules/*.ts exports `install`; main.ts runs them in order (vitesse's user modules). */
export type UserModule = (ctx: ModuleContext) => void;
