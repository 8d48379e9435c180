import { afterEach } from 'vitest';
import { clearRealtimeHandlers, disconnectRealtime } from '@/composables/use-realtime';

// Stores of one test must not hear the live events of the next one.
afterEach(() => {
  disconnectRealtime();
  clearRealtimeHandlers();
});
