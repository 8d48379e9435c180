import type Redis from 'ioredis';
import { settlesWithin } from '../async/settles-within';

const QUIT_TIMEOUT_MS = 2000;

/**
 * QUIT lets pending replies arrive first; a Redis that is down or hung never answers it, so after a short wait the
 * connection is dropped instead. Shutdown must never hang on Redis.
 */
export async function closeRedis(client: Redis, timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  if (client.status === 'end') return;
  const quit = client.quit().then(
    () => true,
    () => false,
  );
  if (!(await settlesWithin(quit, timeoutMs)) || !(await quit)) client.disconnect();
}
