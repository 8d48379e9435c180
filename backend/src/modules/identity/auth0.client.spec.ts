import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { RateLimitedException } from '../../common/errors/app.exception';
import { Auth0Client, Auth0Refusal, Auth0UnavailableException, PASSWORD_REALM_GRANT } from './auth0.client';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: Record<string, string>;
}

type Reply = (res: ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const SECRET = 'client-secret-do-not-log';
const PASSWORD = 'Hunter2-password-do-not-log';
const REFRESH = 'refresh-token-do-not-log';

describe('Auth0Client', () => {
  let server: Server;
  let origin: string;
  let received: Received[];
  let reply: Reply;
  let logged: jest.SpyInstance[];

  const client = (timeoutMs = 1000) =>
    new Auth0Client({
      domain: origin,
      clientId: 'backend',
      clientSecret: SECRET,
      realm: 'Username-Password-Authentication',
      audience: 'https://api.test',
      timeoutMs,
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({
          method: req.method!,
          path: req.url!,
          headers: req.headers,
          form: Object.fromEntries(new URLSearchParams(body)),
        });
        reply(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  beforeEach(() => {
    received = [];
    reply = json(200, { access_token: 'at', refresh_token: 'rt', expires_in: 86400, token_type: 'Bearer' });
    logged = (['log', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined),
    );
  });
  afterEach(() => {
    // Whatever happened, no secret reached the log.
    const everything = JSON.stringify(logged.map((spy) => spy.mock.calls));
    for (const secret of [SECRET, PASSWORD, REFRESH]) expect(everything).not.toContain(secret);
    jest.restoreAllMocks();
  });

  it('signs in with the password-realm grant: form body, audience, offline scope, end-user IP', async () => {
    const tokens = await client().passwordRealm('alice', PASSWORD, '203.0.113.7');
    expect(tokens).toEqual({ accessToken: 'at', refreshToken: 'rt', expiresIn: 86400 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', path: '/oauth/token' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers['auth0-forwarded-for']).toBe('203.0.113.7');
    expect(request!.form).toEqual({
      grant_type: PASSWORD_REALM_GRANT,
      username: 'alice',
      password: PASSWORD,
      realm: 'Username-Password-Authentication',
      audience: 'https://api.test',
      scope: 'openid offline_access',
      client_id: 'backend',
      client_secret: SECRET,
    });
  });

  it('refreshes with the refresh_token grant and reports a missing new refresh token as null', async () => {
    reply = json(200, { access_token: 'at2', expires_in: 600, token_type: 'Bearer' });
    expect(await client().refresh(REFRESH)).toEqual({
      accessToken: 'at2',
      refreshToken: null,
      expiresIn: 600,
    });
    expect(received[0]!.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      client_id: 'backend',
      client_secret: SECRET,
    });
  });

  it('revokes at /oauth/revoke; a token Auth0 refuses counts as revoked', async () => {
    reply = (res) => res.writeHead(200).end();
    await client().revoke(REFRESH);
    expect(received[0]).toMatchObject({ path: '/oauth/revoke' });
    expect(received[0]!.form).toEqual({ token: REFRESH, client_id: 'backend', client_secret: SECRET });

    reply = json(400, { error: 'invalid_request', error_description: 'bad token' });
    await expect(client().revoke(REFRESH)).resolves.toBeUndefined();
  });

  it.each([
    [403, 'invalid_grant'],
    [403, 'access_denied'],
    [403, 'mfa_required'],
    [400, 'invalid_grant'],
    [401, 'invalid_token'],
  ])('turns %i %s into an Auth0Refusal that carries no credentials', async (status, error) => {
    reply = json(status, { error, error_description: 'Wrong email or password.' });
    const failure = await client()
      .passwordRealm('alice', PASSWORD)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Auth0Refusal);
    expect(failure).toMatchObject({ status, error });
    expect(JSON.stringify(failure) + String(failure)).not.toContain(PASSWORD);
  });

  it.each(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])(
    'treats %s (our own configuration) as unavailable, not as bad credentials',
    async (error) => {
      reply = json(error === 'invalid_client' ? 401 : 403, { error });
      const failure = await client()
        .passwordRealm('alice', PASSWORD)
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Auth0UnavailableException);
      expect((failure as ServiceUnavailableException).getStatus()).toBe(503);
      expect((failure as Error).message).toBe(
        "Sign-in is temporarily unavailable: the identity provider (Auth0) refused this service's configuration",
      );
      await expect(client().revoke(REFRESH)).rejects.toBeInstanceOf(Auth0UnavailableException);
    },
  );

  it('answers 5xx, unexpected statuses and unusable bodies with 503', async () => {
    for (const bad of [
      json(500, { error: 'server_error' }),
      json(502, 'Bad Gateway'),
      json(404, {}),
      json(200, { token_type: 'Bearer' }),
      json(200, { access_token: 'at', token_type: 'mac' }),
      (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    ]) {
      reply = bad;
      await expect(client().refresh(REFRESH)).rejects.toBeInstanceOf(Auth0UnavailableException);
    }
  });

  it('does not follow redirects', async () => {
    reply = (res) => res.writeHead(302, { location: `${origin}/elsewhere` }).end();
    await expect(client().passwordRealm('alice', PASSWORD)).rejects.toThrow('failed (HTTP 302)');
    expect(received.map((r) => r.path)).toEqual(['/oauth/token']);
  });

  it('passes a rate limit on as 429 with Retry-After', async () => {
    reply = json(429, { error: 'too_many_attempts' }, { 'retry-after': '42' });
    const failure = await client()
      .passwordRealm('alice', PASSWORD)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RateLimitedException);
    expect((failure as RateLimitedException).retryAfterSeconds).toBe(42);
  });

  it('gives up after its timeout with 503', async () => {
    reply = () => undefined; // never answers
    const started = Date.now();
    await expect(client(150).passwordRealm('alice', PASSWORD)).rejects.toThrow(
      'Sign-in is temporarily unavailable: the identity provider (Auth0) did not answer within 150 ms',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers 503 at once when Auth0 cannot be reached', async () => {
    const closed = new Auth0Client({
      domain: 'http://127.0.0.1:1',
      clientId: 'backend',
      clientSecret: SECRET,
      realm: 'r',
      audience: 'a',
    });
    await expect(closed.passwordRealm('alice', PASSWORD)).rejects.toThrow(
      'Sign-in is temporarily unavailable: the identity provider (Auth0) could not be reached (ECONNREFUSED)',
    );
  });
});
