import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from '../utils/app';
import { bearer, createTenant, login, PASSWORD, TenantFixture, uniqueSlug } from '../utils/fixtures';
import { routeInventory, routeKey, RouteInfo } from '../utils/routes';
import { startTcpProxy } from '../utils/tcp-proxy';

/**
 * The only routes anonymous callers may reach, on purpose. A feature that needs another public route adds it
 * here (with its own protection, like the HMAC of WAHA's webhooks); any other new public route fails the
 * inventory test below.
 */
const PUBLIC_ROUTES = [
  'POST /auth/login',
  'POST /auth/refresh',
  'GET /.well-known/jwks.json',
  'GET /health',
  'POST /webhooks/waha',
];

const PORTAL_ORIGIN = 'http://localhost:5173';
const EVIL_ORIGIN = 'https://evil.example';

/** Text that must never appear in an error body: stack frames, SQL, driver internals. */
const LEAK_PATTERNS = [
  /"stack"/i,
  /\bat .+\.(ts|js|mjs):\d+/,
  /node_modules/,
  /\bSELECT\b.+\bFROM\b/i,
  /\bINSERT INTO\b/i,
  /\bUPDATE\b.+\bSET\b/i,
  /\bDELETE FROM\b/i,
  /QueryFailedError|duplicate key|violates|relation "|syntax error at|out of range for type/i,
];

/** A 4xx/5xx answer in the API's one error shape, correlated by request id, leaking nothing. */
function expectCleanError(res: request.Response, status: number): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({
    statusCode: status,
    message: expect.anything(),
    error: expect.any(String),
    requestId: res.headers['x-request-id'],
  });
  const text = JSON.stringify(res.body);
  for (const pattern of LEAK_PATTERNS) expect(text).not.toMatch(pattern);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

describe('Security baseline', () => {
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  describe('response headers', () => {
    it('sets nosniff, HSTS and a CSP with frame-ancestors on API answers', async () => {
      for (const res of [await t.http().get('/health'), await t.http().get('/auth/me')]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
        expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('echoes a well-formed X-Request-Id, also into error bodies', async () => {
      const id = `req-${randomBytes(6).toString('hex')}`;
      const res = await t.http().get('/auth/me').set('X-Request-Id', id);
      expect(res.headers['x-request-id']).toBe(id);
      expect(res.body.requestId).toBe(id);
    });

    it('generates a request id when none or a malformed one is sent', async () => {
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      const none = await t.http().get('/health');
      expect(none.headers['x-request-id']).toMatch(uuid);
      for (const bad of [
        'short',
        'has spaces in it',
        'x'.repeat(65),
        'semi;colon-1234',
        '<script>alert(1)</script>',
      ]) {
        const res = await t.http().get('/health').set('X-Request-Id', bad);
        expect(res.headers['x-request-id']).toMatch(uuid);
      }
      const a = await t.http().get('/health');
      const b = await t.http().get('/health');
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      t
        .http()
        .options('/users')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');

    it('answers a preflight from the portal with Access-Control-Allow-Origin', async () => {
      const res = await preflight(PORTAL_ORIGIN);
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(PORTAL_ORIGIN);
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toMatch(/authorization/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('gives no Access-Control-Allow-Origin to another origin', async () => {
      const res = await preflight(EVIL_ORIGIN);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await t.http().get('/health').set('Origin', EVIL_ORIGIN);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const portal = await t.http().get('/health').set('Origin', PORTAL_ORIGIN);
      expect(portal.headers['access-control-allow-origin']).toBe(PORTAL_ORIGIN);
    });
  });

  describe('errors', () => {
    it('answers a 1.5 MB JSON body with 413 in the error shape', async () => {
      const big = { tenant: 'acme', username: 'admin', password: 'x'.repeat(1.5 * 1024 * 1024) };
      const res = await t.http().post('/auth/login').send(big);
      expectCleanError(res, 413);
      expect(res.body.message).toBe('Request body is too large');
    });

    it('answers malformed JSON with 400 in the error shape', async () => {
      const res = await t
        .http()
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"tenant": ');
      expectCleanError(res, 400);
    });

    it('answers an unknown route with a JSON 404 carrying the request id', async () => {
      const res = await t.http().get(`/no-such-route/${randomUUID()}`).set('X-Request-Id', 'unknown-route-1');
      expectCleanError(res, 404);
      expect(res.body.requestId).toBe('unknown-route-1');
    });

    it('never puts a stack trace or SQL into an error body, whatever the input', async () => {
      const admin = tenant.users.admin.token;
      const overflowCursor = Buffer.from(`{"id":"${'9'.repeat(40)}"}`).toString('base64url');
      const cases: [string, () => Promise<request.Response>, number][] = [
        ['no token', () => t.http().get('/users'), 401],
        ['garbage token', () => t.http().get('/users').set('Authorization', 'Bearer a.b.c'), 401],
        ['missing permission', () => t.http().get('/users').set(bearer(tenant.users.viewer.token)), 403],
        ['unknown id', () => t.http().get(`/users/${randomUUID()}`).set(bearer(admin)), 404],
        ['malformed id', () => t.http().get("/users/1' OR '1'='1").set(bearer(admin)), 400],
        ['validation', () => t.http().post('/users').set(bearer(admin)).send({ username: 1 }), 400],
        [
          'wrong content type',
          () => t.http().post('/auth/login').set('Content-Type', 'application/xml').send('<x/>'),
          415,
        ],
        [
          'bigint overflow reaching SQL',
          () => t.http().get(`/audit-logs?cursor=${overflowCursor}`).set(bearer(admin)),
          400,
        ],
        [
          'conflict',
          () =>
            t
              .http()
              .post('/users')
              .set(bearer(admin))
              .send({ username: 'admin', password: PASSWORD, groupId: tenant.groups.Viewers }),
          409,
        ],
        ['unknown method', () => t.http().patch('/users'), 404],
      ];
      for (const [name, run, status] of cases) {
        const res = await run();
        expect({ name, status: res.status }).toEqual({ name, status });
        expectCleanError(res, status);
      }
    });

    it('maps a unique violation raced into the database to a clean 409', async () => {
      const body = {
        username: `racer-${randomBytes(3).toString('hex')}`,
        password: PASSWORD,
        groupId: tenant.groups.Viewers,
      };
      const results = await Promise.all(
        [0, 1, 2].map(() => t.http().post('/users').set(bearer(tenant.users.admin.token)).send(body)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      for (const res of results.filter((r) => r.status === 409)) expectCleanError(res, 409);
    });

    it('answers a URL with broken percent-encoding with a JSON 400 that leaks nothing', async () => {
      // Fastify rejects these before routing, so Nest's filter (and its requestId) is not involved.
      const res = await t.http().get('/users/%E0%A4%A').set(bearer(tenant.users.admin.token));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.any(String) });
      for (const pattern of LEAK_PATTERNS) expect(JSON.stringify(res.body)).not.toMatch(pattern);
    });
  });

  describe('general rate limit (per user)', () => {
    it('answers the 6th request within the window with 429 and Retry-After; other users are unaffected', async () => {
      const limited = await startTestApp({
        RATE_LIMIT_PER_USER: '5',
        REDIS_KEY_PREFIX: `${t.config.redis.keyPrefix}${uniqueSlug('rl')}:`,
      });
      try {
        const me = (token: string) => limited.http().get('/auth/me').set(bearer(token));
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await me(tenant.users.admin.token)).status);
        expect(statuses).toEqual([200, 200, 200, 200, 200]);

        const sixth = await me(tenant.users.admin.token);
        expectCleanError(sixth, 429);
        const retryAfter = Number(sixth.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(limited.config.rateLimit.windowSeconds);

        // Same tenant, another user: their own budget.
        expect((await me(tenant.users.editor.token)).status).toBe(200);
        // A new token of the limited user is still the same user.
        const fresh = await login(t, tenant.slug, 'admin', PASSWORD);
        expect((await me(fresh.accessToken)).status).toBe(429);
      } finally {
        await limited.close();
      }
    });
  });

  describe('concurrent authentication', () => {
    it('authenticates each of many simultaneous requests as its own token, also on a cold instance', async () => {
      const other = await createTenant(t);
      const callers = [...Object.values(tenant.users), ...Object.values(other.users)];
      // Fresh instances: their key caches are empty, so every first verification waits for a key lookup.
      for (let round = 0; round < 3; round++) {
        const cold = await startTestApp({ WORKERS_IN_PROCESS: 'false' });
        try {
          const results = await Promise.all(
            [...callers, ...callers].map(async (caller) => {
              const res = await cold.http().get('/auth/me').set(bearer(caller.token)).timeout(5000);
              return { expected: caller.id, status: res.status, got: res.body.userId as string };
            }),
          );
          for (const r of results) expect(r).toEqual({ expected: r.expected, status: 200, got: r.expected });
        } finally {
          await cold.close();
        }
      }
    });
  });

  describe('route inventory', () => {
    let routes: RouteInfo[];

    beforeAll(() => {
      routes = routeInventory(t.app);
    });

    it('finds the routes the router actually serves', () => {
      expect(routes.length).toBeGreaterThanOrEqual(15);
      const fastify = t.app.getHttpAdapter().getInstance();
      for (const route of routes) {
        expect({
          route: routeKey(route),
          registered: fastify.hasRoute({ method: route.method as 'GET', url: route.path }),
        }).toEqual({
          route: routeKey(route),
          registered: true,
        });
      }
      expect(routes.map(routeKey)).toEqual(
        expect.arrayContaining(['GET /users/:userId', 'PATCH /user-groups/:id']),
      );
    });

    it('every route handler declares exactly one of @Public() or @Authenticated()', () => {
      const offenders = routes
        .filter((r) => r.publicOn.length > 0 === r.authenticatedOn.length > 0)
        .map(
          (r) =>
            `${routeKey(r)} (${r.handler}): public on [${r.publicOn}], authenticated on [${r.authenticatedOn}]`,
        );
      expect(offenders).toEqual([]);
    });

    it('the public routes are exactly the expected list', () => {
      const publicRoutes = routes.filter((r) => r.publicOn.length > 0).map(routeKey);
      expect(publicRoutes.sort()).toEqual([...PUBLIC_ROUTES].sort());
    });

    it('every non-public route answers 401 without a token and with a forged one', async () => {
      const forged = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: tenant.users.admin.id, tenantId: tenant.id, userId: tenant.users.admin.id }),
      ).toString('base64url')}.`;
      for (const route of routes.filter((r) => r.publicOn.length === 0)) {
        const path = route.path.replace(/:[A-Za-z0-9_]+/g, randomUUID());
        const method = route.method.toLowerCase() as 'get';
        for (const headers of [{}, { Authorization: `Bearer ${forged}` }]) {
          const res = await t.http()[method](path).set(headers).send({});
          expect({ route: routeKey(route), status: res.status }).toEqual({
            route: routeKey(route),
            status: 401,
          });
        }
      }
    });

    it('the public routes answer without a token', async () => {
      const calls: Record<string, () => Promise<request.Response>> = {
        'POST /auth/login': () =>
          t.http().post('/auth/login').send({ tenant: tenant.slug, username: 'viewer', password: PASSWORD }),
        'POST /auth/refresh': () => t.http().post('/auth/refresh').send({ refreshToken: 'not-a-token' }),
        'GET /.well-known/jwks.json': () => t.http().get('/.well-known/jwks.json'),
        'GET /health': () => t.http().get('/health'),
        'POST /webhooks/waha': () =>
          t.http().post('/webhooks/waha').send({ event: 'session.status', session: 'x' }),
      };
      const expected: Record<string, number> = {
        'POST /auth/login': 200,
        'POST /auth/refresh': 401, // reached the handler: an invalid refresh token, not a missing access token
        'GET /.well-known/jwks.json': 200,
        'GET /health': 200,
        'POST /webhooks/waha': 401, // reached the handler: an unsigned webhook, not a missing access token
      };
      for (const key of PUBLIC_ROUTES) {
        const call = calls[key];
        expect({ key, hasCall: Boolean(call) }).toEqual({ key, hasCall: true });
        const res = await call!();
        expect({ key, status: res.status }).toEqual({ key, status: expected[key] });
        // Whatever the handler answers, it is not the guard's "no access token".
        expect(res.body?.message).not.toBe('Invalid or expired access token');
      }
    });
  });

  describe('GET /health', () => {
    it('is 200 with database and redis up', async () => {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        details: {
          database: expect.objectContaining({ status: 'up' }),
          redis: expect.objectContaining({ status: 'up' }),
        },
      });
    });

    // These instances run without in-process BullMQ workers: /health is about the API's own connections.
    it('is 503 within ~2 s when Redis is unreachable, and recovers', async () => {
      const redisUrl = new URL(t.config.redis.url);
      const proxy = await startTcpProxy(Number(redisUrl.port || 6379), redisUrl.hostname);
      const app = await startTestApp({
        REDIS_URL: withPort(t.config.redis.url, proxy.port),
        WORKERS_IN_PROCESS: 'false',
      });
      try {
        expect((await app.http().get('/health')).status).toBe(200);
        await proxy.close();

        const started = Date.now();
        const res = await app.http().get('/health');
        expect(Date.now() - started).toBeLessThan(2500);
        expect(res.status).toBe(503);
        expect(res.body).toEqual({
          status: 'error',
          details: {
            database: expect.objectContaining({ status: 'up' }),
            redis: expect.objectContaining({ status: 'down' }),
          },
        });

        await proxy.reopen();
        expect(await waitFor(async () => (await app.http().get('/health')).status === 200, 8000)).toBe(true);
      } finally {
        await app.close();
        await proxy.close();
      }
    });

    it('is 503 within ~2 s when PostgreSQL is unreachable; the API answers 503 too, never 401 or 500', async () => {
      const appUrl = new URL(t.config.database.appUrl);
      expect(decodeURIComponent(appUrl.username)).toBe(t.config.database.appUser);
      const proxyFor = async () => {
        const proxy = await startTcpProxy(Number(appUrl.port || 5432), appUrl.hostname);
        const app = await startTestApp({
          DATABASE_APP_URL: withPort(t.config.database.appUrl, proxy.port),
          WORKERS_IN_PROCESS: 'false',
        });
        return { proxy, app };
      };
      const timed = async (run: () => Promise<request.Response>) => {
        const started = Date.now();
        const res = await run();
        expect(Date.now() - started).toBeLessThan(2500);
        return res;
      };
      const { admin, editor } = tenant.users;

      // A warm instance (keys and caches loaded) and a cold one (nothing loaded yet).
      const warm = await proxyFor();
      const cold = await proxyFor();
      try {
        expect((await warm.app.http().get('/health')).status).toBe(200);
        expect((await warm.app.http().get('/users').set(bearer(admin.token))).status).toBe(200);
        await warm.proxy.close();
        await cold.proxy.close();

        const health = await timed(() => warm.app.http().get('/health'));
        expect(health.status).toBe(503);
        expect(health.body).toEqual({
          status: 'error',
          details: {
            database: expect.objectContaining({ status: 'down' }),
            redis: expect.objectContaining({ status: 'up' }),
          },
        });

        for (const [name, app] of [
          ['warm', warm.app],
          ['cold', cold.app],
        ] as const) {
          // [call, request, statuses allowed besides 503]. /auth/me may still be served from the Redis access
          // cache by an instance that already knows the signing keys; nothing may answer 401 or 500.
          const calls: [string, () => Promise<request.Response>, number[]][] = [
            ['GET /users', () => app.http().get('/users').set(bearer(admin.token)), []],
            [
              'GET /auth/me',
              () => app.http().get('/auth/me').set(bearer(editor.token)),
              name === 'warm' ? [200] : [],
            ],
            [
              'POST /auth/login',
              () =>
                app
                  .http()
                  .post('/auth/login')
                  .send({ tenant: tenant.slug, username: 'viewer', password: PASSWORD }),
              [],
            ],
            [
              'POST /auth/refresh',
              () => app.http().post('/auth/refresh').send({ refreshToken: editor.refreshToken }),
              [],
            ],
          ];
          for (const [call, run, alsoAllowed] of calls) {
            const res = await timed(run);
            const status = alsoAllowed.includes(res.status) ? 503 : res.status;
            expect({ instance: name, call, status }).toEqual({ instance: name, call, status: 503 });
            if (res.status === 503) expectCleanError(res, 503);
          }
        }

        await warm.proxy.reopen();
        expect(await waitFor(async () => (await warm.app.http().get('/health')).status === 200, 8000)).toBe(
          true,
        );
        expect((await warm.app.http().get('/users').set(bearer(admin.token))).status).toBe(200);
      } finally {
        await warm.app.close();
        await cold.app.close();
        await warm.proxy.close();
        await cold.proxy.close();
      }
    });
  });

  describe('log canary', () => {
    it('never writes passwords, refresh tokens, access tokens or Authorization values to stdout/stderr', async () => {
      const canary = `Canary-${randomBytes(8).toString('hex')}-Pw1`;
      const forgedToken = `canary-bearer-${randomBytes(8).toString('hex')}`;
      const username = `canary.${randomBytes(3).toString('hex')}`;
      const captured: string[] = [];
      const originalOut = process.stdout.write;
      const originalErr = process.stderr.write;
      const capture = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') (done as () => void)();
        return true;
      };
      const secrets: Record<string, string> = {
        canaryPassword: canary,
        forgedToken,
        adminToken: tenant.users.admin.token,
      };
      const bodies: unknown[] = [];
      let app: TestApp | undefined;
      // Installed before the app starts, so its logger picks the patched streams.
      process.stdout.write = capture as typeof process.stdout.write;
      process.stderr.write = capture as typeof process.stderr.write;
      try {
        app = await startTestApp({
          LOG_LEVEL: 'debug',
          REDIS_KEY_PREFIX: `${t.config.redis.keyPrefix}${uniqueSlug('log')}:`,
        });
        const http = app.http;
        /** Keeps every error body: none may echo a secret either. */
        const record = (res: request.Response) => {
          if (res.status >= 400) bodies.push(res.body);
          return res;
        };

        const created = record(
          await http()
            .post('/users')
            .set(bearer(tenant.users.admin.token))
            .send({ username, password: canary, groupId: tenant.groups.Viewers }),
        );
        expect(created.status).toBe(201);

        const ok = record(
          await http().post('/auth/login').send({ tenant: tenant.slug, username, password: canary }),
        );
        expect(ok.status).toBe(200);
        secrets.accessToken = ok.body.accessToken;
        secrets.refreshToken = ok.body.refreshToken;

        const refreshed = record(
          await http().post('/auth/refresh').send({ refreshToken: ok.body.refreshToken }),
        );
        expect(refreshed.status).toBe(200);
        secrets.refreshedAccessToken = refreshed.body.accessToken;
        secrets.refreshedRefreshToken = refreshed.body.refreshToken;

        // Reuse of the spent token: a warning is logged, the token must not be in it.
        expect(
          record(await http().post('/auth/refresh').send({ refreshToken: ok.body.refreshToken })).status,
        ).toBe(401);

        const failed = record(
          await http()
            .post('/auth/login')
            .send({ tenant: tenant.slug, username, password: `${canary}-wrong` }),
        );
        expect(failed.status).toBe(401);

        const invalid = record(
          await http()
            .post('/users')
            .set(bearer(tenant.users.admin.token))
            .send({ username: `bad name ${canary}`, password: canary.slice(0, 5), groupId: canary }),
        );
        expect(invalid.status).toBe(400);
        const invalidLogin = record(
          await http()
            .post('/auth/login')
            .send({ tenant: tenant.slug, username, password: canary.repeat(20) }),
        );
        expect(invalidLogin.status).toBe(400);

        // Error paths that are not 500s.
        expect(
          record(await http().get('/auth/me').set('Authorization', `Bearer ${forgedToken}`)).status,
        ).toBe(401);
        expect(record(await http().get('/users').set(bearer(refreshed.body.accessToken))).status).toBe(403);
        expect(
          record(await http().get(`/users/${randomUUID()}`).set(bearer(tenant.users.admin.token))).status,
        ).toBe(404);
        expect(record(await http().get('/auth/me').set(bearer(refreshed.body.accessToken))).status).toBe(200);
        expect(
          record(
            await http()
              .post('/auth/logout')
              .set(bearer(refreshed.body.accessToken))
              .send({ refreshToken: refreshed.body.refreshToken }),
          ).status,
        ).toBe(204);
      } finally {
        await app?.close();
        process.stdout.write = originalOut;
        process.stderr.write = originalErr;
      }

      const output = captured.join('');
      // The capture works: request logs of this test are in it.
      expect(captured.length).toBeGreaterThan(5);
      expect(bodies.length).toBeGreaterThanOrEqual(7);
      expect(output).toContain('/auth/login');
      expect(output).toContain('/auth/refresh');

      for (const [name, value] of Object.entries(secrets)) {
        expect({ name, inLogs: output.includes(value) }).toEqual({ name, inLogs: false });
        expect({ name, inBodies: JSON.stringify(bodies).includes(value) }).toEqual({ name, inBodies: false });
      }
      // No Authorization header value in any form.
      expect(output).not.toMatch(/authorization"?\s*[:=]\s*"?bearer/i);
      expect(output).not.toMatch(/Bearer\s+[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    });
  });
});
