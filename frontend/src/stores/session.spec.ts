import { createTestingPinia } from '@pinia/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { clientMock, fail, ok } from '@/test/api-mock';
import { makeMe } from '@/test/factories';
import { useSessionStore } from './session';

vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  client: (await import('@/test/api-mock')).clientMock,
}));

const tokens = (n: number) => ({
  accessToken: `A${n}`,
  refreshToken: `R${n}`,
  tokenType: 'Bearer',
  expiresIn: 900,
});

describe('session store', () => {
  beforeEach(() => {
    createTestingPinia({ createSpy: vi.fn, stubActions: false });
  });

  it('signs in, loads the caller, and keeps tokens in memory only', async () => {
    clientMock.POST.mockReturnValueOnce(ok(tokens(1)));
    clientMock.GET.mockReturnValueOnce(ok(makeMe(['logs:view'])));
    const session = useSessionStore();
    await session.login('acme', 'ann', 'secret');
    expect(clientMock.POST).toHaveBeenCalledWith('/auth/login', {
      body: { tenant: 'acme', username: 'ann', password: 'secret' },
    });
    expect(clientMock.GET).toHaveBeenCalledWith('/auth/me');
    expect(session.signedIn).toBe(true);
    expect(session.accessToken).toBe('A1');
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });

  it('stays signed out when the login is refused', async () => {
    clientMock.POST.mockReturnValueOnce(fail(401, 'Invalid tenant, username or password'));
    const session = useSessionStore();
    await expect(session.login('acme', 'ann', 'bad')).rejects.toMatchObject({ status: 401 });
    expect(session.signedIn).toBe(false);
    expect(session.accessToken).toBeNull();
  });

  it('rotates the refresh token, with one request for concurrent callers', async () => {
    clientMock.POST.mockReturnValueOnce(ok(tokens(1))).mockReturnValueOnce(ok(tokens(2)));
    clientMock.GET.mockReturnValue(ok(makeMe()));
    const session = useSessionStore();
    await session.login('acme', 'ann', 'secret');
    const [a, b] = await Promise.all([session.refresh(), session.refresh()]);
    expect([a, b]).toEqual([true, true]);
    expect(clientMock.POST).toHaveBeenCalledTimes(2);
    expect(clientMock.POST).toHaveBeenLastCalledWith('/auth/refresh', { body: { refreshToken: 'R1' } });
    expect(session.accessToken).toBe('A2');
    expect(session.refreshToken).toBe('R2');
  });

  it('reports a failed refresh', async () => {
    clientMock.POST.mockReturnValueOnce(ok(tokens(1))).mockReturnValueOnce(
      fail(401, 'Refresh token revoked'),
    );
    clientMock.GET.mockReturnValue(ok(makeMe()));
    const session = useSessionStore();
    await session.login('acme', 'ann', 'secret');
    expect(await session.refresh()).toBe(false);
  });

  it('signs out on the server (still authenticated) with the refresh token, then forgets everything', async () => {
    const session = useSessionStore();
    let tokenDuringLogout: string | null = null;
    clientMock.POST.mockReturnValueOnce(ok(tokens(1))).mockImplementationOnce(() => {
      tokenDuringLogout = session.accessToken;
      return ok(undefined, 204);
    });
    clientMock.GET.mockReturnValueOnce(ok(makeMe()));
    await session.login('acme', 'ann', 'secret');
    await session.logout();
    expect(clientMock.POST).toHaveBeenLastCalledWith('/auth/logout', {
      body: { refreshToken: 'R1' },
      signal: expect.any(AbortSignal),
    });
    expect(tokenDuringLogout).toBe('A1');
    expect(session.signedIn).toBe(false);
    expect(session.me).toBeNull();
    expect(session.refreshToken).toBeNull();
  });

  it('forgets locally even when the server cannot be reached on sign-out', async () => {
    clientMock.POST.mockReturnValueOnce(ok(tokens(1))).mockReturnValueOnce(fail(503, 'down'));
    clientMock.GET.mockReturnValueOnce(ok(makeMe()));
    const session = useSessionStore();
    await session.login('acme', 'ann', 'secret');
    await expect(session.logout()).resolves.toBeUndefined();
    expect(session.accessToken).toBeNull();
  });
});
