import { watch } from 'vue';
import { connectRealtime, disconnectRealtime } from '@/composables/use-realtime';
import { useSessionStore } from '@/stores/session';
import type { UserModule } from './types';

/** One socket while someone is signed in; it reads the current token at every (re)connect. */
export const install: UserModule = ({ pinia }) => {
  const session = useSessionStore(pinia);
  watch(
    () => session.signedIn,
    (signedIn) => {
      if (signedIn)
        connectRealtime({ getToken: () => session.accessToken, refresh: () => session.refresh() });
      else disconnectRealtime();
    },
    { immediate: true },
  );
};
