import * as jwt from 'jsonwebtoken';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  JsonWebKey,
  KeyObject,
  randomUUID,
} from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { startTestApp, TestApp } from '../utils/app';
import { bearer, createTenant, decodeJwt, login, operator, PASSWORD, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

type Claims = Record<string, unknown>;
type Header = Record<string, unknown>;

const STANDARD_401 = {
  statusCode: 401,
  message: 'Invalid or expired access token',
  error: 'Unauthorized',
  requestId: expect.any(String),
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

function headerOf(token: string): Header {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Header;
}

/** An RS256 JWS over exactly this header and payload (node:crypto, nothing checked or added). */
function signRs256(header: Header, payload: Claims, key: KeyObject): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** The built-in issuer's current private key, read from the database as the owner (tests only). */
async function issuerKey(t: TestApp): Promise<{ kid: string; key: KeyObject }> {
  const [row] = await ownerQuery<{ kid: string; private_key_enc: string }>(
    `SELECT kid, private_key_enc FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
  );
  if (!row) throw new Error('no active signing key');
  const pem = new SecretBox(t.config.auth.keySecret, 'signing-keys').open(row.private_key_enc);
  return { kid: row.kid, key: createPrivateKey(pem) };
}

/** A local HTTP server that records every request (stands in for an attacker's key server). */
async function recordingServer(body: unknown): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

describe('Access tokens', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let other: TenantFixture;
  let issuer: { kid: string; key: KeyObject };
  let attacker: { privateKey: KeyObject; publicJwk: JsonWebKey };

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
    other = await createTenant(t);
    issuer = await issuerKey(t);
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    attacker = { privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: 'jwk' }) };
  });
  afterAll(() => t.close());

  const me = (token: string) => t.http().get('/auth/me').set(bearer(token));

  async function expectRejected(token: string): Promise<void> {
    const res = await me(token);
    expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: STANDARD_401 });
  }

  /** The claims the issuer puts into the editor's tokens, fresh, with `changes` applied (undefined removes). */
  function claims(changes: Claims = {}): Claims {
    const editor = tenant.users.editor;
    const base: Claims = {
      tenantId: tenant.id,
      userId: editor.id,
      groupId: tenant.groups.Editors,
      iat: now(),
      exp: now() + 900,
      aud: t.config.auth.audience,
      iss: t.config.auth.issuer,
      sub: editor.id,
      jti: randomUUID(),
    };
    const merged: Claims = { ...base, ...changes };
    for (const [name, value] of Object.entries(changes)) if (value === undefined) delete merged[name];
    return merged;
  }

  /** Signed with the real issuer key: only what `changes` alters can make it fail. */
  const genuine = (changes: Claims = {}, header: Header = {}) =>
    signRs256({ kid: issuer.kid, ...header }, claims(changes), issuer.key);

  it('accepts a token built here with the issuer key and the claims of a login (the control for every case)', async () => {
    expect(headerOf(tenant.users.editor.token).kid).toBe(issuer.kid);
    const res = await me(genuine());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: tenant.users.editor.id, tenantId: tenant.id });
  });

  describe('signature and algorithm', () => {
    it('rejects alg "none" without a signature, with and without a kid', async () => {
      for (const header of [
        { alg: 'none', typ: 'JWT' },
        { alg: 'none', typ: 'JWT', kid: issuer.kid },
        { alg: 'None', kid: issuer.kid },
        { alg: 'NONE' },
      ]) {
        await expectRejected(`${b64(header)}.${b64(claims())}.`);
      }
    });

    it('rejects alg "none" carrying a genuine token\'s signature', async () => {
      const [, payload, signature] = tenant.users.editor.token.split('.');
      await expectRejected(`${b64({ alg: 'none', typ: 'JWT', kid: issuer.kid })}.${payload}.${signature}`);
    });

    it('rejects a genuine token whose payload was changed (other tenant, other user, later expiry)', async () => {
      const token = tenant.users.editor.token;
      const [header, payload, signature] = token.split('.');
      const original = decodeJwt(token);
      // Re-encoding the untouched payload gives the same bytes, so only the edits below can cause a 401.
      expect(b64(original)).toBe(payload);
      expect((await me(`${header}.${b64(original)}.${signature}`)).status).toBe(200);

      for (const edit of [
        { tenantId: other.id },
        { tenantId: other.id, userId: other.users.admin.id, sub: other.users.admin.id },
        { userId: tenant.users.admin.id, sub: tenant.users.admin.id },
        { exp: (original.exp as number) + 3600 },
      ]) {
        await expectRejected(`${header}.${b64({ ...original, ...edit })}.${signature}`);
      }
    });

    it('rejects a token signed by an attacker key that reuses a valid kid', async () => {
      await expectRejected(signRs256({ kid: issuer.kid }, claims(), attacker.privateKey));
      // The same through jsonwebtoken, as an attacker would most likely build it.
      await expectRejected(
        jwt.sign(claims(), attacker.privateKey, { algorithm: 'RS256', keyid: issuer.kid }),
      );
    });

    it('rejects HS256 tokens whose HMAC secret is the published public key', async () => {
      const jwks = await t.http().get('/.well-known/jwks.json');
      const jwk = (jwks.body.keys as (JsonWebKey & { kid: string })[]).find((k) => k.kid === issuer.kid);
      expect(jwk).toBeDefined();
      const publicKey = createPublicKey({ key: jwk!, format: 'jwk' });
      const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      for (const secret of [spki, spki.trim(), pkcs1, JSON.stringify(jwk)]) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT', kid: issuer.kid },
          { alg: 'HS256', typ: 'JWT' },
        ]) {
          const input = `${b64(header)}.${b64(claims())}`;
          await expectRejected(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
        }
      }
    });

    it('rejects malformed tokens and other authorization schemes', async () => {
      for (const token of ['', 'abc', 'a.b', 'a.b.c', `${genuine()}.extra`, genuine().slice(0, -10)]) {
        await expectRejected(token);
      }
      const valid = genuine();
      for (const authorization of [`Basic ${valid}`, valid, `Bearer  ${valid}x`]) {
        const res = await t.http().get('/auth/me').set('Authorization', authorization);
        expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: STANDARD_401 });
      }
    });

    it('does not take the token from the query string', async () => {
      const res = await t.http().get(`/auth/me?access_token=${genuine()}`);
      expect(res.status).toBe(401);
    });
  });

  describe('time window (30 s clock tolerance)', () => {
    it('rejects a token that expired more than 30 s ago', async () => {
      expect((await me(genuine({ iat: now() - 900, exp: now() - 10 }))).status).toBe(200); // within tolerance
      await expectRejected(genuine({ iat: now() - 1000, exp: now() - 60 }));
      await expectRejected(genuine({ iat: now() - 90_000, exp: now() - 86_400 }));
    });

    it('rejects a token that is not valid before 5 minutes from now', async () => {
      expect((await me(genuine({ nbf: now() + 10 }))).status).toBe(200); // within tolerance
      await expectRejected(genuine({ nbf: now() + 300 }));
    });
  });

  describe('audience and issuer must match exactly', () => {
    it('rejects another audience', async () => {
      for (const aud of [
        'other-api',
        `${t.config.auth.audience}-admin`,
        'https://evil.example',
        ['other-api'],
      ]) {
        await expectRejected(genuine({ aud }));
      }
      await expectRejected(genuine({ aud: undefined }));
    });

    it('rejects another issuer, including ours without its trailing slash', async () => {
      const ours = t.config.auth.issuer;
      expect(ours).toMatch(/\/$/);
      for (const iss of [
        'https://evil.example/',
        ours.replace(/\/$/, ''),
        `${ours}/`,
        `${ours}auth`,
        ours.toUpperCase(),
        'https://tenant.auth0.com/',
      ]) {
        await expectRejected(genuine({ iss }));
      }
      await expectRejected(genuine({ iss: undefined }));
    });
  });

  describe('required custom claims', () => {
    it('rejects a token without a tenantId claim', async () => {
      await expectRejected(genuine({ tenantId: undefined }));
    });

    it('rejects a tenantId that is not a UUID', async () => {
      for (const tenantId of [
        'acme',
        `${tenant.id}x`,
        "' OR 1=1--",
        42,
        null,
        [tenant.id],
        { id: tenant.id },
      ]) {
        await expectRejected(genuine({ tenantId }));
      }
    });

    it('rejects a userId that is not a UUID, and a missing subject', async () => {
      await expectRejected(genuine({ userId: 'admin' }));
      await expectRejected(genuine({ sub: undefined }));
    });

    it("rejects a validly signed token that pairs another tenant with this tenant's user", async () => {
      await expectRejected(genuine({ tenantId: other.id }));
    });

    it('takes permissions from the database, not from a groupId claim', async () => {
      const res = await me(genuine({ groupId: tenant.groups.Admins }));
      expect(res.status).toBe(200);
      expect(res.body.groupId).toBe(tenant.groups.Editors);
      expect(
        (
          await t
            .http()
            .get('/users')
            .set(bearer(genuine({ groupId: tenant.groups.Admins })))
        ).status,
      ).toBe(403);
    });
  });

  describe('key selection comes only from our JWKS', () => {
    let keyServer: Awaited<ReturnType<typeof recordingServer>>;
    const attackerKid = 'attacker-key-1';

    beforeAll(async () => {
      keyServer = await recordingServer({
        keys: [{ ...attacker.publicJwk, kid: attackerKid, alg: 'RS256', use: 'sig' }],
      });
    });
    afterAll(() => new Promise<void>((resolve) => keyServer.server.close(() => resolve())));

    it('ignores jku, x5u and embedded jwk headers: 401 and the attacker server sees no request', async () => {
      const headers: Header[] = [
        { kid: attackerKid, jku: `${keyServer.url}/jwks.json` },
        { kid: issuer.kid, jku: `${keyServer.url}/jwks.json` },
        { kid: attackerKid, x5u: `${keyServer.url}/cert.pem` },
        { kid: attackerKid, jwk: { ...attacker.publicJwk, kid: attackerKid } },
      ];
      for (const header of headers) await expectRejected(signRs256(header, claims(), attacker.privateKey));
      // Give any background fetch time to arrive before counting.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(keyServer.requests).toEqual([]);
      // The server does answer, so zero really means "never asked".
      const probe = await fetch(`${keyServer.url}/probe`);
      expect(probe.status).toBe(200);
      expect(keyServer.requests).toEqual(['GET /probe']);
    });

    it('treats hostile kid values as plain unknown ids: 401, never 500', async () => {
      for (const kid of ['../../dev/null', "' OR 1=1--", 'k'.repeat(10_000)]) {
        // Signed with the real key: only the kid is wrong.
        await expectRejected(genuine({}, { kid }));
      }
    });
  });

  describe('permissions follow the user, not the token', () => {
    it('a group change applies to the very next request with the same token', async () => {
      const viewer = tenant.users.viewer;
      const admin = bearer(tenant.users.admin.token);
      expect((await t.http().get('/users').set(bearer(viewer.token))).status).toBe(403);

      const promote = await t
        .http()
        .put(`/users/${viewer.id}/group`)
        .set(admin)
        .send({ groupId: tenant.groups.Admins });
      expect(promote.status).toBe(200);
      expect((await t.http().get('/users').set(bearer(viewer.token))).status).toBe(200);
      const promoted = await me(viewer.token);
      expect(promoted.body).toMatchObject({ groupId: tenant.groups.Admins });
      expect(promoted.body.permissions).toContain('users:manage');
      expect(decodeJwt(viewer.token).groupId).toBe(tenant.groups.Viewers); // the token did not change

      const demote = await t
        .http()
        .put(`/users/${viewer.id}/group`)
        .set(admin)
        .send({ groupId: tenant.groups.Viewers });
      expect(demote.status).toBe(200);
      expect((await t.http().get('/users').set(bearer(viewer.token))).status).toBe(403);
      expect((await me(viewer.token)).body).toMatchObject({
        groupId: tenant.groups.Viewers,
        permissions: ['logs:view'],
      });
    });

    it("a deleted user's access token and refresh token stop working at once", async () => {
      const admin = bearer(tenant.users.admin.token);
      const created = await t
        .http()
        .post('/users')
        .set(admin)
        .send({ username: 'leaver', password: PASSWORD, groupId: tenant.groups.Editors });
      expect(created.status).toBe(201);
      const tokens = await login(t, tenant.slug, 'leaver', PASSWORD);
      expect((await me(tokens.accessToken)).status).toBe(200); // now cached

      expect((await t.http().delete(`/users/${created.body.id}`).set(admin)).status).toBe(204);

      await expectRejected(tokens.accessToken);
      const refresh = await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken });
      expect(refresh.status).toBe(401);
      expect(refresh.body).toMatchObject({ statusCode: 401, message: 'Invalid or expired refresh token' });
    });
  });
});

describe('Signing key rotation', () => {
  // Its own application instance: a fresh JWKS cache and rate limiter, untouched by the forgery cases above.
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  it('is for the platform operator only', async () => {
    const res = await t.http().post('/auth/signing-keys/rotate').set(bearer(tenant.users.admin.token));
    expect(res.status).toBe(403);
  });

  it('keeps tokens of the old key valid, signs new ones with the new key and publishes both', async () => {
    const before = await login(t, tenant.slug, 'editor', PASSWORD);
    const oldKid = headerOf(before.accessToken).kid as string;

    const rotated = await t
      .http()
      .post('/auth/signing-keys/rotate')
      .set(bearer(await operator(t)));
    expect(rotated.status).toBe(201);
    const newKid = rotated.body.kid as string;
    expect(typeof newKid).toBe('string');
    expect(newKid).not.toBe(oldKid);

    const old = await t.http().get('/auth/me').set(bearer(before.accessToken));
    expect(old.status).toBe(200);

    const after = await login(t, tenant.slug, 'editor', PASSWORD);
    expect(headerOf(after.accessToken).kid).toBe(newKid);
    const fresh = await t.http().get('/auth/me').set(bearer(after.accessToken));
    expect(fresh.status).toBe(200);
    expect(fresh.body.userId).toBe(tenant.users.editor.id);

    const jwks = await t.http().get('/.well-known/jwks.json');
    const kids = (jwks.body.keys as { kid: string }[]).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));

    const [row] = await ownerQuery<{ retired: boolean }>(
      'SELECT retired_at IS NOT NULL AS retired FROM signing_keys WHERE kid = $1',
      [oldKid],
    );
    expect(row?.retired).toBe(true);
  });
});

describe('Unknown key ids cannot lock real users out', () => {
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  it('a flood of tokens naming random kids leaves a valid token of a newly published key working', async () => {
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const claims = {
      sub: tenant.users.editor.id,
      tenantId: tenant.id,
      userId: tenant.users.editor.id,
      iss: t.config.auth.issuer,
      aud: t.config.auth.audience,
      exp: now() + 600,
    };
    for (let i = 0; i < 40; i++) {
      const bogus = signRs256({ kid: `random-${i}-${Math.random()}` }, claims, forger);
      expect((await t.http().get('/auth/me').set(bearer(bogus))).status).toBe(401);
    }
    // A key this instance has never seen (created by "another instance": straight into the database).
    const rotated = await startTestApp();
    try {
      await rotated
        .http()
        .post('/auth/signing-keys/rotate')
        .set(
          bearer(
            await login(
              rotated,
              'platform',
              process.env.PLATFORM_ADMIN_USERNAME!,
              process.env.PLATFORM_ADMIN_PASSWORD!,
            ).then((x) => x.accessToken),
          ),
        );
    } finally {
      await rotated.close();
    }
    const { kid, key } = await issuerKey(t);
    const valid = signRs256({ kid }, claims, key);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await t.http().get('/auth/me').set(bearer(valid));
    expect(res.status).toBe(200);
  });
});
