import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, unwrap, type AuthHooks } from './client';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function setup(responses: Array<Response | Error>, hooks: Partial<AuthHooks> = {}) {
  const seen: Array<{ url: string; auth: string | null; body: string }> = [];
  const fetch = vi.fn(async (request: Request) => {
    seen.push({
      url: request.url,
      auth: request.headers.get('Authorization'),
      body: await request.clone().text(),
    });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  });
  let token = 'old';
  const auth: AuthHooks = {
    getAccessToken: () => token,
    refresh: vi.fn(async () => {
      token = 'new';
      return true;
    }),
    onSessionExpired: vi.fn(),
    ...hooks,
  };
  const api = createApiClient({ baseUrl: 'http://portal.test/api', fetch });
  api.configureAuth(auth);
  const health = vi.fn();
  api.onHealth(health);
  return { api, fetch, seen, auth, health };
}

describe('api client', () => {
  it('sends the bearer token under /api', async () => {
    const { api, seen } = setup([json(200, [])]);
    await unwrap(api.client.GET('/users'));
    expect(seen[0]).toMatchObject({ url: 'http://portal.test/api/users', auth: 'Bearer old' });
  });

  it('refreshes once on 401 and retries the call (body included) with the new token', async () => {
    const { api, seen, auth } = setup([
      json(401, { message: 'Unauthorized' }),
      json(202, { id: 'm1', status: 'queued' }),
    ]);
    const result = await unwrap(
      api.client.POST('/whatsapp/send', { body: { to: '+4915112345678', text: 'hi' } }),
    );
    expect(result).toEqual({ id: 'm1', status: 'queued' });
    expect(auth.refresh).toHaveBeenCalledTimes(1);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer old', 'Bearer new']);
    expect(JSON.parse(seen[1]!.body)).toEqual({ to: '+4915112345678', text: 'hi' });
    expect(auth.onSessionExpired).not.toHaveBeenCalled();
  });

  it('ends the session when the refresh fails, without retrying', async () => {
    const { api, fetch, auth } = setup([json(401, { message: 'Unauthorized' })], {
      refresh: vi.fn(async () => false),
    });
    await expect(unwrap(api.client.GET('/users'))).rejects.toMatchObject({ status: 401 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(auth.onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('retries only once: a second 401 ends the session', async () => {
    const { api, fetch, auth } = setup([json(401, {}), json(401, {})]);
    await expect(unwrap(api.client.GET('/users'))).rejects.toBeInstanceOf(ApiError);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(auth.onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh between concurrent 401s', async () => {
    const { api, auth } = setup([json(401, {}), json(401, {}), json(200, []), json(200, [])]);
    await Promise.all([unwrap(api.client.GET('/users')), unwrap(api.client.GET('/user-groups'))]);
    expect(auth.refresh).toHaveBeenCalledTimes(1);
  });

  it('never refreshes for the auth endpoints themselves', async () => {
    const { api, auth } = setup([
      json(401, { statusCode: 401, message: 'Invalid tenant, username or password' }),
    ]);
    await expect(
      unwrap(api.client.POST('/auth/login', { body: { tenant: 'acme', username: 'ann', password: 'x' } })),
    ).rejects.toMatchObject({ status: 401, messages: ['Invalid tenant, username or password'] });
    expect(auth.refresh).not.toHaveBeenCalled();
  });

  it('reads code, request id and Retry-After from errors', async () => {
    const { api } = setup([
      json(429, { statusCode: 429, message: 'Too many requests' }, { 'Retry-After': '30' }),
    ]);
    const error = await unwrap(api.client.GET('/users')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryAfter: 30 });
  });

  it("tells a proxy 502 (API down) from the API's own 502 (WhatsApp down)", async () => {
    const { api, health } = setup([
      new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
      json(502, { statusCode: 502, message: 'WAHA is not answering' }),
    ]);
    await expect(unwrap(api.client.GET('/users'))).rejects.toMatchObject({ status: 502, gateway: true });
    expect(health).toHaveBeenLastCalledWith('unreachable');
    await expect(unwrap(api.client.GET('/users'))).rejects.toMatchObject({ status: 502, gateway: false });
    expect(health).toHaveBeenLastCalledWith('unavailable');
  });

  it('reports reachability for the banner', async () => {
    const { api, health } = setup([
      new TypeError('Failed to fetch'),
      json(503, { message: 'down' }),
      json(200, {}),
    ]);
    await expect(unwrap(api.client.GET('/health'))).rejects.toMatchObject({ status: 0 });
    expect(health).toHaveBeenLastCalledWith('unreachable');
    await expect(unwrap(api.client.GET('/health'))).rejects.toMatchObject({ status: 503 });
    expect(health).toHaveBeenLastCalledWith('unavailable');
    await unwrap(api.client.GET('/health'));
    expect(health).toHaveBeenLastCalledWith('ok');
  });
});
