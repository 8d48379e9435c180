import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation data for logs and the audit trail. Never used for authorization or tenant scoping. */
export interface RequestContextData {
  requestId: string;
  ip: string | null;
}

const storage = new AsyncLocalStorage<RequestContextData>();

export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },
  current(): RequestContextData | undefined {
    return storage.getStore();
  },
};
