import Redis from 'ioredis';
import * as jwt from 'jsonwebtoken';
import { generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from '../utils/app';
import { Auth0LikeProvider, Auth0LikeUser, startAuth0LikeProvider } from '../utils/auth0-like-provider';
import { bearer, createTenant, decodeJwt, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

const AUDIENCE = 'https://api.test';
const NS = 'https://whatsapp.test/';
const INVALID_LOGIN = {
  statusCode: 401,
  message: 'Invalid tenant, username or password',
  error: 'Unauthorized',
};
const INVALID_TOKEN = { statusCode: 401, message: 'Invalid or expired access token', error: 'Unauthorized' };
const now = (): number => Math.floor(Date.now() / 1000);

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
}

/** Env of an app in AUTH_MODE=auth0 whose Auth0 is the local provider. */
function auth0Env(idp: Auth0LikeProvider, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH_MODE: 'auth0',
    AUTH0_DOMAIN: idp.domain,
    AUTH0_CLIENT_ID: idp.clientId,
    AUTH0_CLIENT_SECRET: idp.clientSecret,
    AUTH0_REALM: idp.realm,
    AUTH_ISSUER: idp.issuer,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_CLAIM_NAMESPACE: NS,
    ...extra,
  };
}

async function linkedUsers(subject: string): Promise<{ tenant_id: string; id: string; deleted: boolean }[]> {
  return ownerQuery(
    `SELECT tenant_id, id, deleted_at IS NOT NULL AS deleted FROM users WHERE auth_subject = $1 ORDER BY created_at`,
    [subject],
  );
}

async function auditActions(
  tenantId: string,
  since: Date,
): Promise<{ action: string; target_id: string | null; details: Record<string, unknown> }[]> {
  return ownerQuery(
    `SELECT action, target_id, details FROM audit_log WHERE tenant_id = $1 AND created_at >= $2 ORDER BY id`,
    [tenantId, since],
  );
}

/** Drops the Redis cache of sub → user links (as if it had expired). */
async function forgetSubjectLinks(app: TestApp): Promise<void> {
  const redis = new Redis(app.config.redis.url);
  try {
    const keys = await redis.keys(`${app.config.redis.keyPrefix}authz:*:subject*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

describe('AUTH_MODE=auth0 against an Auth0-like OpenID provider', () => {
  /** The built-in issuer on the same database: sets tenants up through the public API. */
  let local: TestApp;
  /** The app under test. */
  let t: TestApp;
  let idp: Auth0LikeProvider;
  let acme: TenantFixture;
  let other: TenantFixture;
  const run = randomBytes(4).toString('hex');
  const password = 'Auth0-Password-42';
  const user = (name: string, fields: Partial<Auth0LikeUser> = {}): Auth0LikeUser => ({
    sub: `auth0|${name}-${run}`,
    username: `${name}-${run}`,
    password,
    app_metadata: { tenantId: acme.id, groupId: acme.groups.Editors },
    ...fields,
  });
  let alice: Auth0LikeUser;
  let boss: Auth0LikeUser;

  beforeAll(async () => {
    local = await startTestApp();
    acme = await createTenant(local);
    other = await createTenant(local);
    idp = await startAuth0LikeProvider({ audience: AUDIENCE, claimNamespace: NS });
    alice = user('alice');
    boss = user('boss', { app_metadata: { tenantId: acme.id, groupId: 'Admins' } });
    idp.addUser(alice);
    idp.addUser(boss);
    t = await startTestApp(auth0Env(idp));
  });
  afterAll(async () => {
    await t?.close();
    await local?.close();
    await idp?.stop();
  });

  const login = (tenant: string, username: string, pass = password) =>
    t.http().post('/auth/login').send({ tenant, username, password: pass });
  const me = (token: string) => t.http().get('/auth/me').set(bearer(token));
  async function signIn(
    who: Auth0LikeUser,
    tenant = acme.slug,
  ): Promise<{ accessToken: string; refreshToken: string }> {
    const res = await login(tenant, who.username);
    if (res.status !== 200)
      throw new Error(`login ${who.username}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  describe('POST /auth/login', () => {
    it('signs in through the provider: 200 with its RS256 access token for our audience', async () => {
      const res = await login(acme.slug, alice.username);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(headerOf(res.body.accessToken)).toEqual({ alg: 'RS256', typ: 'JWT', kid: idp.signingKey.kid });
      const claims = decodeJwt(res.body.accessToken);
      expect(claims).toMatchObject({
        iss: idp.issuer,
        sub: alice.sub,
        aud: [AUDIENCE, `${idp.issuer}userinfo`],
        azp: idp.clientId,
        [`${NS}tenantId`]: acme.id,
        [`${NS}groupId`]: acme.groups.Editors,
      });
      expect(claims).not.toHaveProperty('userId');
      expect(claims).not.toHaveProperty(`${NS}userId`);
      expect(idp.requests).toEqual(
        expect.arrayContaining(['POST /oauth/token', 'GET /.well-known/jwks.json']),
      );
    });

    it('the token works for GET /auth/me: the user was provisioned in the tenant and group it names', async () => {
      const since = new Date(Date.now() - 60_000);
      const { accessToken } = await signIn(alice);
      const res = await me(accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        userId: expect.any(String),
        tenantId: acme.id,
        groupId: acme.groups.Editors,
        username: alice.username,
        permissions: ['devices:link', 'logs:view', 'messages:send'],
      });
      const rows = await linkedUsers(alice.sub);
      expect(rows).toEqual([{ tenant_id: acme.id, id: res.body.userId, deleted: false }]);
      const [{ password_hash }] = await ownerQuery<{ password_hash: string | null }>(
        `SELECT password_hash FROM users WHERE id = $1`,
        [res.body.userId],
      );
      expect(password_hash).toBeNull();

      const audit = await auditActions(acme.id, since);
      expect(audit.filter((a) => a.target_id === res.body.userId).map((a) => a.action)).toEqual(
        expect.arrayContaining(['user.provisioned', 'auth.login']),
      );
      expect(
        audit.find((a) => a.action === 'user.provisioned' && a.target_id === res.body.userId)?.details,
      ).toMatchObject({
        subject: alice.sub,
        groupId: acme.groups.Editors,
        groupFromClaim: true,
      });
    });

    it('links later sign-ins to the same user (provisioned once)', async () => {
      const first = await me((await signIn(alice)).accessToken);
      const second = await me((await signIn(alice)).accessToken);
      expect(second.body.userId).toBe(first.body.userId);
      expect(await linkedUsers(alice.sub)).toHaveLength(1);
    });

    it('answers the same 401 for a wrong password and an unknown user, and audits the attempt', async () => {
      const since = new Date(Date.now() - 1000);
      const wrong = await login(acme.slug, alice.username, 'Wrong-Password-1');
      const unknown = await login(acme.slug, `ghost-${run}`);
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject(INVALID_LOGIN);
      }
      const failed = (await auditActions(acme.id, since)).filter((a) => a.action === 'auth.login_failed');
      expect(failed.map((a) => a.details.reason)).toEqual(['auth0_invalid_grant', 'auth0_invalid_grant']);
    });

    it('refuses a tenant slug that is not the tenant of the token (same 401), provisions nothing there', async () => {
      const bob = user('bob', { app_metadata: { tenantId: other.id, groupId: other.groups.Editors } });
      idp.addUser(bob);
      const revokesBefore = idp.requests.filter((r) => r === 'POST /oauth/revoke').length;

      for (const tenant of [acme.slug, 'no-such-tenant']) {
        const res = await login(tenant, bob.username);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject(INVALID_LOGIN);
      }
      expect(await linkedUsers(bob.sub)).toEqual([]);
      // The sessions Auth0 opened for those attempts were ended, not left behind.
      expect(idp.requests.filter((r) => r === 'POST /oauth/revoke').length).toBe(revokesBefore + 2);

      // With the right slug the same user gets in, in their own tenant.
      const res = await me((await signIn(bob, other.slug)).accessToken);
      expect(res.body).toMatchObject({ tenantId: other.id, groupId: other.groups.Editors });
    });

    it('refuses a user the post-login Action denies (no tenant in app_metadata)', async () => {
      const drifter = user('drifter', { app_metadata: {} });
      idp.addUser(drifter);
      const res = await login(acme.slug, drifter.username);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject(INVALID_LOGIN);
      expect(await linkedUsers(drifter.sub)).toEqual([]);
    });

    it('goes through the login throttle (429 after the per-username limit)', async () => {
      const limited = await startTestApp(
        auth0Env(idp, {
          LOGIN_RATE_LIMIT_PER_USERNAME: '2',
          REDIS_KEY_PREFIX: `${t.config.redis.keyPrefix}rl-${run}:`,
        }),
      );
      try {
        for (let i = 0; i < 2; i++) {
          const res = await limited
            .http()
            .post('/auth/login')
            .send({ tenant: acme.slug, username: alice.username, password: `Bad-Password-${i}` });
          expect(res.status).toBe(401);
        }
        const res = await limited
          .http()
          .post('/auth/login')
          .send({ tenant: acme.slug, username: alice.username, password });
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });
  });

  describe('just-in-time provisioning', () => {
    it('places a user whose groupId claim is not a group of the tenant in Viewers, named from sub', async () => {
      const stranger = user('stranger', {
        sub: `auth0|65f0c1d2e3${run}`,
        usernameClaim: false,
        app_metadata: { tenantId: acme.id, groupId: other.groups.Admins },
      });
      idp.addUser(stranger);
      const res = await me((await signIn(stranger)).accessToken);
      expect(res.body).toMatchObject({
        tenantId: acme.id,
        groupId: acme.groups.Viewers,
        username: `auth0-65f0c1d2e3${run}`,
        permissions: ['logs:view'],
      });
    });

    it('derives the username from sub when the claimed one is taken in the tenant', async () => {
      const clash = user('clash', { sub: `auth0|clash${run}`, username: 'admin' });
      idp.addUser(clash);
      const res = await me((await signIn(clash)).accessToken);
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(`auth0-clash${run}`);
    });

    it('takes the nickname when the token has no username', async () => {
      const nick = user('nick', { usernameClaim: false, nickname: `nick.${run}` });
      idp.addUser(nick);
      expect((await me((await signIn(nick)).accessToken)).body.username).toBe(`nick.${run}`);
    });
  });

  describe('POST /auth/refresh', () => {
    it('returns new tokens from the provider; reusing the old refresh token fails and revokes the newest', async () => {
      const first = await signIn(alice);
      const rotated = await t.http().post('/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
      expect(decodeJwt(rotated.body.accessToken)).toMatchObject({ iss: idp.issuer, sub: alice.sub });
      expect((await me(rotated.body.accessToken)).status).toBe(200);

      const reuse = await t.http().post('/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(reuse.status).toBe(401);
      expect(reuse.body).toMatchObject({ statusCode: 401, message: 'Invalid or expired refresh token' });
      const newest = await t.http().post('/auth/refresh').send({ refreshToken: rotated.body.refreshToken });
      expect(newest.status).toBe(401);
    });

    it('rejects garbage with 401', async () => {
      const res = await t.http().post('/auth/refresh').send({ refreshToken: 'not-a-refresh-token' });
      expect(res.status).toBe(401);
    });
  });

  describe('POST /auth/logout', () => {
    it('revokes the refresh token at the provider', async () => {
      const tokens = await signIn(alice);
      const res = await t
        .http()
        .post('/auth/logout')
        .set(bearer(tokens.accessToken))
        .send({ refreshToken: tokens.refreshToken });
      expect(res.status).toBe(204);
      expect(idp.requests).toContain('POST /oauth/revoke');
      expect((await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(
        401,
      );
    });

    it('needs our access token', async () => {
      const tokens = await signIn(alice);
      const res = await t.http().post('/auth/logout').send({ refreshToken: tokens.refreshToken });
      expect(res.status).toBe(401);
      expect((await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(
        200,
      );
    });
  });

  describe('our database is the authority after provisioning', () => {
    it('a group change applies to the next request made with the old Auth0 token', async () => {
      const carol = user('carol');
      idp.addUser(carol);
      const token = (await signIn(carol)).accessToken;
      const before = await me(token);
      expect(before.body.groupId).toBe(acme.groups.Editors);

      const admin = (await signIn(boss)).accessToken;
      const moved = await t
        .http()
        .put(`/users/${before.body.userId}/group`)
        .set(bearer(admin))
        .send({ groupId: acme.groups.Viewers });
      expect(moved.status).toBe(200);

      const after = await me(token);
      expect(after.body).toMatchObject({ groupId: acme.groups.Viewers, permissions: ['logs:view'] });
      // The Action still says Editors; the database decides.
      const again = await me((await signIn(carol)).accessToken);
      expect(again.body.groupId).toBe(acme.groups.Viewers);
    });

    it('a deleted user is locked out at once and not provisioned again', async () => {
      const dave = user('dave');
      idp.addUser(dave);
      const tokens = await signIn(dave);
      const { userId } = (await me(tokens.accessToken)).body;

      const admin = (await signIn(boss)).accessToken;
      expect((await t.http().delete(`/users/${userId}`).set(bearer(admin))).status).toBe(204);

      expect((await me(tokens.accessToken)).status).toBe(401);
      // Also once the cached sub → user link has expired, so the lookup goes to the database.
      await forgetSubjectLinks(t);
      expect((await me(tokens.accessToken)).status).toBe(401);
      expect((await login(acme.slug, dave.username)).status).toBe(401);
      expect((await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(
        401,
      );
      expect(await linkedUsers(dave.sub)).toEqual([{ tenant_id: acme.id, id: userId, deleted: true }]);
    });
  });

  describe('which tokens are accepted', () => {
    let foreign: KeyObject;
    beforeAll(() => {
      foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    });

    /** An access token shaped like the provider's, with `changes` applied (undefined removes a claim). */
    function forge(
      changes: Record<string, unknown> = {},
      key: KeyObject = idp.signingKey.privateKey,
    ): string {
      const claims: Record<string, unknown> = {
        iss: idp.issuer,
        sub: alice.sub,
        aud: [AUDIENCE, `${idp.issuer}userinfo`],
        azp: idp.clientId,
        iat: now(),
        exp: now() + 600,
        scope: 'openid offline_access',
        [`${NS}tenantId`]: acme.id,
        [`${NS}groupId`]: acme.groups.Editors,
        ...changes,
      };
      for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
      return jwt.sign(claims, key, {
        algorithm: 'RS256',
        keyid: idp.signingKey.kid,
        header: { alg: 'RS256', typ: 'JWT' },
      });
    }

    async function expectRejected(token: string): Promise<void> {
      const res = await me(token);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { ...INVALID_TOKEN, requestId: expect.any(String) },
      });
    }

    it('accepts a token built here with the provider key (the control for every case below)', async () => {
      const res = await me(forge());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tenantId: acme.id, username: alice.username });
    });

    it("rejects the built-in issuer's tokens", async () => {
      expect((await local.http().get('/auth/me').set(bearer(acme.users.admin.token))).status).toBe(200);
      await expectRejected(acme.users.admin.token);
    });

    it('rejects a token signed by another key under the same kid, for another audience, or from an issuer without the trailing slash', async () => {
      await expectRejected(forge({}, foreign));
      await expectRejected(forge({ aud: 'https://other-api.test' }));
      await expectRejected(forge({ aud: idp.clientId })); // an ID token's audience
      await expectRejected(forge({ iss: idp.domain }));
    });

    it('rejects a tenant that does not exist or is suspended, and provisions nobody', async () => {
      const ghostSub = `auth0|ghost-${run}`;
      await expectRejected(
        forge({ sub: ghostSub, [`${NS}tenantId`]: '00000000-0000-4000-8000-000000000000' }),
      );

      const frozen = await createTenant(local);
      await ownerQuery(`UPDATE tenants SET status = 'suspended' WHERE id = $1`, [frozen.id]);
      await expectRejected(forge({ sub: ghostSub, [`${NS}tenantId`]: frozen.id }));
      expect(await linkedUsers(ghostSub)).toEqual([]);
    });

    it('never lets a subject linked in one tenant act in another', async () => {
      expect((await linkedUsers(alice.sub)).map((u) => u.tenant_id)).toEqual([acme.id]);
      await expectRejected(forge({ [`${NS}tenantId`]: other.id }));
      await expectRejected(forge({ [`${NS}tenantId`]: other.id, [`${NS}groupId`]: other.groups.Admins }));
      expect((await linkedUsers(alice.sub)).map((u) => u.tenant_id)).toEqual([acme.id]);
    });

    it('ignores a userId claim: the user is the one linked to sub', async () => {
      const res = await me(forge({ [`${NS}userId`]: acme.users.admin.id }));
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(alice.username);
    });
  });

  describe('when the provider is down', () => {
    it('login answers 503 at once, while tokens already issued keep working (keys are cached)', async () => {
      const { accessToken } = await signIn(alice);
      await idp.stop();

      const started = Date.now();
      const res = await login(acme.slug, alice.username);
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/identity provider \(Auth0\) could not be reached/);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(
        (
          await t
            .http()
            .post('/auth/refresh')
            .send({ refreshToken: 'x'.repeat(43) })
        ).status,
      ).toBe(503);

      expect((await me(accessToken)).status).toBe(200);
    });
  });
});
