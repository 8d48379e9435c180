import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useSessionStore } from './session';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('session store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('signs in, then loads the caller with the access token', async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(200, { accessToken: 'A', refreshToken: 'R', expiresIn: 900 }))
      .mockResolvedValueOnce(
        jsonResponse(200, {
          userId: 'u',
          tenantId: 't',
          groupId: 'g',
          username: 'ann',
          permissions: ['logs:view'],
        }),
      );
    vi.stubGlobal('fetch', fetchMock);
    const session = useSessionStore();
    await session.login('acme', 'ann', 'secret');
    expect(session.signedIn).toBe(true);
    expect(session.can('logs:view')).toBe(true);
    expect(session.can('users:manage')).toBe(false);
    expect(fetchMock.mock.calls[1]![1].headers.Authorization).toBe('Bearer A');
    expect(window.localStorage.length).toBe(0);
  });

  it('surfaces the API error message on a failed sign-in', async () => {
    vi.stubGlobal(
      'fetch',
      vi
        .fn()
        .mockResolvedValue(
          jsonResponse(401, { statusCode: 401, message: 'Invalid tenant, username or password' }),
        ),
    );
    const session = useSessionStore();
    await expect(session.login('acme', 'ann', 'bad')).rejects.toThrow('Invalid tenant, username or password');
    expect(session.signedIn).toBe(false);
  });
});
