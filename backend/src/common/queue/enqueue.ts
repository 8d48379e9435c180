import { JobsOptions, Queue } from 'bullmq';

export class EnqueueFailedError extends Error {
  constructor(reason: string) {
    super(`Could not enqueue: ${reason}`);
    this.name = 'EnqueueFailedError';
  }
}

const ENQUEUE_TIMEOUT_MS = 1000;

/**
 * Adds a job without ever hanging the caller: refuses at once when the queue's Redis connection is not ready
 * and gives up after 1 s. Callers whose work is recorded in PostgreSQL leave it to a recovery sweep; job ids
 * make a late duplicate add harmless.
 */
export async function enqueue<T>(
  queue: Queue,
  name: string,
  data: T,
  options: JobsOptions = {},
): Promise<void> {
  const client = await Promise.race([queue.getBackend().client, timeout(ENQUEUE_TIMEOUT_MS)]);
  if (!client || client.status !== 'ready') throw new EnqueueFailedError('Redis is not connected');
  const adding = queue.add(name, data, options).then(() => true);
  adding.catch(() => undefined); // a late failure after the timeout must not become an unhandled rejection
  let added: boolean | null;
  try {
    added = await Promise.race([adding, timeout(ENQUEUE_TIMEOUT_MS)]);
  } catch (error) {
    throw new EnqueueFailedError((error as Error).message);
  }
  if (!added) throw new EnqueueFailedError(`no answer within ${ENQUEUE_TIMEOUT_MS} ms`);
}

function timeout(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
}
