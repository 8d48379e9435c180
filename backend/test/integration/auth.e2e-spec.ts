import { createHash } from 'node:crypto';
import { startTestApp, TestApp } from '../utils/app';
import {
  bearer,
  createTenant,
  decodeJwt,
  login,
  PASSWORD,
  TenantFixture,
  uniqueSlug,
} from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

describe('Identity: login, refresh, logout, me, JWKS', () => {
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  describe('POST /auth/login', () => {
    it('returns tokens whose claims name the tenant, user and group', async () => {
      const res = await t
        .http()
        .post('/auth/login')
        .send({ tenant: tenant.slug, username: 'editor', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      const header = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString());
      expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
      const claims = decodeJwt(res.body.accessToken);
      expect(claims).toMatchObject({
        tenantId: tenant.id,
        userId: tenant.users.editor.id,
        groupId: tenant.groups.Editors,
        sub: tenant.users.editor.id,
        iss: t.config.auth.issuer,
        aud: t.config.auth.audience,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    });

    it('answers the same 401 for a wrong password, an unknown user and an unknown tenant', async () => {
      const attempts = [
        { tenant: tenant.slug, username: 'editor', password: 'Wrong-Password-1' },
        { tenant: tenant.slug, username: 'nobody-here', password: PASSWORD },
        { tenant: 'no-such-tenant', username: 'editor', password: PASSWORD },
      ];
      const bodies = [];
      for (const attempt of attempts) {
        const res = await t.http().post('/auth/login').send(attempt);
        expect(res.status).toBe(401);
        bodies.push({ ...res.body, requestId: undefined });
      }
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
      expect(bodies[0].message).toBe('Invalid tenant, username or password');
    });

    it('takes about as long for an unknown user as for a wrong password', async () => {
      const time = async (username: string, password: string) => {
        const start = process.hrtime.bigint();
        await t.http().post('/auth/login').send({ tenant: tenant.slug, username, password });
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        wrong.push(await time('viewer', `Wrong-Password-${i}`));
        unknown.push(await time(`ghost-${i}`, 'Wrong-Password-x'));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
      // Both pay for one bcrypt comparison (~200 ms); without the dummy hash an unknown user would answer in ~5 ms.
      expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
      expect(median(unknown)).toBeLessThan(median(wrong) * 2);
    });

    it('validates the body field by field', async () => {
      const res = await t
        .http()
        .post('/auth/login')
        .send({ tenant: 'Not A Slug!', username: '', extra: true });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          'property extra should not exist',
          'tenant must be a tenant slug',
          'username must be 1-64 characters',
          'password must be a string',
        ]),
      );
    });

    it('rate limits failed logins per tenant and username with 429 and Retry-After', async () => {
      const limited = await startTestApp({
        LOGIN_RATE_LIMIT_PER_USERNAME: '3',
        REDIS_KEY_PREFIX: `test:${uniqueSlug('rl')}:`,
      });
      try {
        const target = { tenant: tenant.slug, username: 'viewer' };
        for (let i = 0; i < 3; i++) {
          const res = await limited
            .http()
            .post('/auth/login')
            .send({ ...target, password: `Bad-Password-${i}` });
          expect(res.status).toBe(401);
        }
        // Even the right password is refused while the account is locked.
        const res = await limited
          .http()
          .post('/auth/login')
          .send({ ...target, password: PASSWORD });
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        // The same answer for a username that does not exist: the limit does not reveal real accounts.
        for (let i = 0; i < 4; i++) {
          await limited
            .http()
            .post('/auth/login')
            .send({ tenant: tenant.slug, username: 'phantom', password: `Bad-${i}-xxxxxx` });
        }
        const phantom = await limited
          .http()
          .post('/auth/login')
          .send({ tenant: tenant.slug, username: 'phantom', password: PASSWORD });
        expect(phantom.status).toBe(429);
      } finally {
        await limited.close();
      }
    });

    it('rate limits login attempts per client IP', async () => {
      // Own Redis prefix: the counter for 127.0.0.1 starts at zero for this app.
      const limited = await startTestApp({
        LOGIN_RATE_LIMIT_PER_IP: '2',
        REDIS_KEY_PREFIX: `test:${uniqueSlug('rl')}:`,
      });
      try {
        const statuses = [];
        for (let i = 0; i < 3; i++) {
          statuses.push(
            (
              await limited
                .http()
                .post('/auth/login')
                .send({ tenant: 'x-ip-test', username: `u${i}`, password: 'Xx-1234567' })
            ).status,
          );
        }
        expect(statuses).toEqual([401, 401, 429]);
      } finally {
        await limited.close();
      }
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: returns a new refresh token and spends the old one', async () => {
      const first = await login(t, tenant.slug, 'editor', PASSWORD);
      const res = await t.http().post('/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(res.status).toBe(200);
      expect(res.body.refreshToken).not.toBe(first.refreshToken);
      expect(decodeJwt(res.body.accessToken)).toMatchObject({ userId: tenant.users.editor.id });
      const again = await t.http().post('/auth/refresh').send({ refreshToken: res.body.refreshToken });
      expect(again.status).toBe(200);
    });

    it('reusing a spent token revokes the whole family, the newest token too', async () => {
      const first = await login(t, tenant.slug, 'editor', PASSWORD);
      const second = (await t.http().post('/auth/refresh').send({ refreshToken: first.refreshToken })).body
        .refreshToken;
      const reuse = await t.http().post('/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(reuse.status).toBe(401);
      const newest = await t.http().post('/auth/refresh').send({ refreshToken: second });
      expect(newest.status).toBe(401);
      const audit = await t
        .http()
        .get('/audit-logs?action=auth.refresh_reuse_detected')
        .set(bearer(tenant.users.admin.token));
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
    });

    it('two concurrent refreshes with one token: exactly one succeeds', async () => {
      const { refreshToken } = await login(t, tenant.slug, 'viewer', PASSWORD);
      const results = await Promise.all([
        t.http().post('/auth/refresh').send({ refreshToken }),
        t.http().post('/auth/refresh').send({ refreshToken }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it("refuses a token after its idle expiry and after its family's absolute expiry", async () => {
      const idle = await login(t, tenant.slug, 'viewer', PASSWORD);
      const absolute = await login(t, tenant.slug, 'viewer', PASSWORD);
      const hash = (token: string) => createHash('sha256').update(token).digest();
      await ownerQuery(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
        [hash(idle.refreshToken)],
      );
      await ownerQuery(
        `UPDATE refresh_tokens SET family_expires_at = now() - interval '1 second' WHERE token_hash = $1`,
        [hash(absolute.refreshToken)],
      );
      expect((await t.http().post('/auth/refresh').send({ refreshToken: idle.refreshToken })).status).toBe(
        401,
      );
      expect(
        (await t.http().post('/auth/refresh').send({ refreshToken: absolute.refreshToken })).status,
      ).toBe(401);
    });

    it('stores only hashes of refresh tokens', async () => {
      const { refreshToken } = await login(t, tenant.slug, 'viewer', PASSWORD);
      const rows = await ownerQuery<{ n: string }>(
        `SELECT count(*) AS n FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE $1`,
        [`%${refreshToken.split('.')[1]}%`],
      );
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it('rejects garbage and tokens of an unknown shape with 401', async () => {
      for (const refreshToken of [
        'nope',
        `${tenant.id}.short`,
        '00000000-0000-0000-0000-000000000000.' + 'a'.repeat(43),
      ]) {
        expect((await t.http().post('/auth/refresh').send({ refreshToken })).status).toBe(401);
      }
      expect((await t.http().post('/auth/refresh').send({})).status).toBe(400);
    });
  });

  describe('POST /auth/logout', () => {
    it('revokes the family: the refresh token stops working', async () => {
      const tokens = await login(t, tenant.slug, 'editor', PASSWORD);
      const res = await t
        .http()
        .post('/auth/logout')
        .set(bearer(tokens.accessToken))
        .send({ refreshToken: tokens.refreshToken });
      expect(res.status).toBe(204);
      expect((await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(
        401,
      );
    });

    it('needs an access token', async () => {
      const tokens = await login(t, tenant.slug, 'editor', PASSWORD);
      expect((await t.http().post('/auth/logout').send({ refreshToken: tokens.refreshToken })).status).toBe(
        401,
      );
    });

    it("cannot revoke somebody else's session", async () => {
      const victim = await login(t, tenant.slug, 'viewer', PASSWORD);
      const res = await t
        .http()
        .post('/auth/logout')
        .set(bearer(tenant.users.editor.token))
        .send({ refreshToken: victim.refreshToken });
      expect(res.status).toBe(204);
      expect((await t.http().post('/auth/refresh').send({ refreshToken: victim.refreshToken })).status).toBe(
        200,
      );
    });
  });

  describe('GET /auth/me', () => {
    it('returns the caller with their permissions', async () => {
      const res = await t.http().get('/auth/me').set(bearer(tenant.users.editor.token));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        userId: tenant.users.editor.id,
        tenantId: tenant.id,
        groupId: tenant.groups.Editors,
        username: 'editor',
        permissions: ['devices:link', 'logs:view', 'messages:send'],
      });
    });

    it('is 401 without a token', async () => {
      const res = await t.http().get('/auth/me');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        statusCode: 401,
        message: 'Invalid or expired access token',
        requestId: expect.any(String),
      });
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes the public key that verifies the tokens, and nothing private', async () => {
      const res = await t.http().get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      const { kid } = JSON.parse(
        Buffer.from(tenant.users.admin.token.split('.')[0]!, 'base64url').toString(),
      );
      const key = res.body.keys.find((k: { kid: string }) => k.kid === kid);
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' });
      for (const k of res.body.keys) expect(Object.keys(k)).not.toEqual(expect.arrayContaining(['d']));
    });
  });
});
