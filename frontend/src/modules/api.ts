import { configureApiAuth, onApiHealth } from '@/api/client';
import { useAppStore } from '@/stores/app';
import { useSessionStore } from '@/stores/session';
import type { UserModule } from './types';

/** Connects the typed client to the session (token, refresh, expiry) and to the API-down banner. */
export const install: UserModule = ({ pinia }) => {
  const session = useSessionStore(pinia);
  const app = useAppStore(pinia);
  configureApiAuth({
    getAccessToken: () => session.accessToken,
    refresh: () => session.refresh(),
    onSessionExpired: () => app.expire(),
  });
  onApiHealth((health) => app.setApiHealth(health));
};
