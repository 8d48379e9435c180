import type { UserModule } from './types';

export const install: UserModule = ({ app, pinia }) => {
  app.use(pinia);
};
