/**
 * A stand-in for `client` from '@/api/client' in store and component specs:
 *
 *   vi.mock('@/api/client', async (original) => ({
 *     ...(await original<typeof import('@/api/client')>()),
 *     client: (await import('@/test/api-mock')).clientMock,
 *   }));
 */
import { vi } from 'vitest';

type Call = (path: string, init?: Record<string, unknown>) => Promise<unknown>;

export const clientMock = {
  GET: vi.fn<Call>(),
  POST: vi.fn<Call>(),
  PUT: vi.fn<Call>(),
  PATCH: vi.fn<Call>(),
  DELETE: vi.fn<Call>(),
};

/** What openapi-fetch resolves with on success. */
export function ok(data?: unknown, status = 200) {
  return Promise.resolve({ data, response: new Response(null, { status }) });
}

/** What openapi-fetch resolves with on an HTTP error. */
export function fail(status: number, message: string | string[], extra: Record<string, unknown> = {}) {
  const headers = (extra.headers as Record<string, string> | undefined) ?? {};
  const { headers: _headers, ...body } = extra;
  return Promise.resolve({
    error: { statusCode: status, message, error: 'Error', requestId: 'req-1', ...body },
    // The API answers errors as JSON (a bare 502-504 would mean a proxy answered for it).
    response: new Response(null, { status, headers: { 'Content-Type': 'application/json', ...headers } }),
  });
}

/** Routes mocked calls by path: `respond(clientMock.GET, { '/whatsapp/devices': () => ok([...]) })`. */
export function route(
  mock: (typeof clientMock)['GET'],
  table: Record<string, (init?: Record<string, unknown>) => unknown>,
) {
  mock.mockImplementation((path, init) => {
    const handler = table[path];
    if (!handler) return Promise.reject(new Error(`unexpected call to ${path}`));
    return Promise.resolve(handler(init));
  });
}

export function resetClientMock(): void {
  for (const fn of Object.values(clientMock)) fn.mockReset();
}
