import { startTestApp, TestApp } from '../utils/app';
import {
  bearer,
  createTenant,
  decodeJwt,
  login,
  operator,
  PASSWORD,
  TenantFixture,
  uniqueSlug,
} from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SLUG_RULE =
  'slug must be 3-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen';

async function tenantRows(slug: string): Promise<number> {
  const rows = await ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM tenants WHERE slug = $1`, [slug]);
  return Number(rows[0]!.n);
}

describe('Tenants: POST /tenants, GET /tenants (platform operator)', () => {
  let t: TestApp;
  let op: string;
  let existing: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    op = await operator(t);
    existing = await createTenant(t);
  });
  afterAll(() => t.close());

  const create = (body: unknown, token = op) =>
    t
      .http()
      .post('/tenants')
      .set(bearer(token))
      .send(body as object);

  describe('creating a tenant', () => {
    const slug = uniqueSlug('acme');
    let created: {
      id: string;
      name: string;
      slug: string;
      admin: { id: string; username: string; groupId: string };
    };

    beforeAll(async () => {
      const res = await create({ name: 'Acme Ltd', slug, admin: { username: 'boss', password: PASSWORD } });
      expect(res.status).toBe(201);
      created = res.body;
    });

    it('answers 201 with exactly {id, name, slug, admin: {id, username, groupId}}', () => {
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Acme Ltd',
        slug,
        admin: { id: expect.stringMatching(UUID), username: 'boss', groupId: expect.stringMatching(UUID) },
      });
    });

    it('seeds the system groups Admins, Editors and Viewers with the permissions of the contract', async () => {
      const admin = await login(t, slug, 'boss', PASSWORD);
      const res = await t.http().get('/user-groups').set(bearer(admin.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        {
          id: created.admin.groupId,
          name: 'Admins',
          permissions: ['devices:link', 'groups:manage', 'logs:view', 'messages:send', 'users:manage'],
          system: true,
        },
        {
          id: expect.stringMatching(UUID),
          name: 'Editors',
          permissions: ['devices:link', 'logs:view', 'messages:send'],
          system: true,
        },
        { id: expect.stringMatching(UUID), name: 'Viewers', permissions: ['logs:view'], system: true },
      ]);
      // An ordinary tenant's Admins never get the operator's permission.
      const rows = await ownerQuery<{ permissions: string[] }>(
        `SELECT permissions FROM user_groups WHERE tenant_id = $1`,
        [created.id],
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.permissions).not.toContain('tenants:manage');
    });

    it('makes the first admin a member of Admins, and that admin can sign in', async () => {
      const tokens = await login(t, slug, 'boss', PASSWORD);
      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        tenantId: created.id,
        userId: created.admin.id,
        groupId: created.admin.groupId,
      });
      const me = await t.http().get('/auth/me').set(bearer(tokens.accessToken));
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        userId: created.admin.id,
        tenantId: created.id,
        groupId: created.admin.groupId,
        username: 'boss',
        permissions: ['devices:link', 'groups:manage', 'logs:view', 'messages:send', 'users:manage'],
      });
      const users = await t.http().get('/users').set(bearer(tokens.accessToken));
      expect(users.body).toEqual([
        {
          id: created.admin.id,
          username: 'boss',
          groupId: created.admin.groupId,
          createdAt: expect.any(String),
        },
      ]);
    });

    it('lists the new tenant in GET /tenants', async () => {
      const res = await t.http().get('/tenants').set(bearer(op));
      expect(res.status).toBe(200);
      expect(res.body).toContainEqual({
        id: created.id,
        name: 'Acme Ltd',
        slug,
        status: 'active',
        isPlatform: false,
        createdAt: expect.any(String),
      });
      expect(res.body).toContainEqual(expect.objectContaining({ slug: 'platform', isPlatform: true }));
      expect(res.body.filter((x: { isPlatform: boolean }) => x.isPlatform)).toHaveLength(1);
    });

    it("records tenant.created in the operator's own audit trail", async () => {
      const res = await t.http().get('/audit-logs?action=tenant.created&limit=100').set(bearer(op));
      expect(res.status).toBe(200);
      expect(res.body.items).toContainEqual(
        expect.objectContaining({
          action: 'tenant.created',
          actorUserId: decodeJwt(op).userId,
          targetType: 'tenant',
          targetId: created.id,
          details: expect.objectContaining({ slug, name: 'Acme Ltd' }),
        }),
      );
      const rows = await ownerQuery(
        `SELECT 1 FROM audit_log a JOIN tenants p ON p.id = a.tenant_id AND p.is_platform
         WHERE a.action = 'tenant.created' AND a.target_id = $1`,
        [created.id],
      );
      expect(rows).toHaveLength(1);
    });
  });

  describe('conflicts and validation', () => {
    it('refuses a slug that is taken with 409', async () => {
      const res = await create({
        name: 'Again',
        slug: existing.slug,
        admin: { username: 'x-admin', password: PASSWORD },
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, message: 'A tenant with this slug already exists' });
      expect(await tenantRows(existing.slug)).toBe(1);
    });

    it('two concurrent creations with one slug: exactly one 201, the other 409', async () => {
      const slug = uniqueSlug('race');
      const body = { name: 'Race', slug, admin: { username: 'admin', password: PASSWORD } };
      const results = await Promise.all([create(body), create(body)]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(await tenantRows(slug)).toBe(1);
    });

    it('reserves the slug "platform" (400, not 409)', async () => {
      const res = await create({
        name: 'Fake',
        slug: 'platform',
        admin: { username: 'admin', password: PASSWORD },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['slug "platform" is reserved']));
    });

    it.each([
      ['Upper-Case'],
      ['-leading'],
      ['trailing-'],
      ['ab'],
      ['with space'],
      ['under_score'],
      ['x'.repeat(65)],
    ])('rejects the slug %p with a field message', async (slug) => {
      const res = await create({ name: 'Bad', slug, admin: { username: 'admin', password: PASSWORD } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toEqual([SLUG_RULE]);
      expect(await tenantRows(slug)).toBe(0);
    });

    it('requires the admin object', async () => {
      const slug = uniqueSlug('noadmin');
      const res = await create({ name: 'No admin', slug });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['admin is required']));
      expect(await tenantRows(slug)).toBe(0);
    });

    it('applies the password policy to the first admin, with nested field names', async () => {
      const slug = uniqueSlug('weak');
      const short = await create({ name: 'Weak', slug, admin: { username: 'admin', password: 'Ab1' } });
      expect(short.status).toBe(400);
      expect(short.body.message).toEqual([
        expect.stringMatching(/^admin\.password must be at least 10 characters/),
      ]);

      const oneClass = await create({
        name: 'Weak',
        slug,
        admin: { username: 'admin', password: 'aaaaaaaaaaaaaa' },
      });
      expect(oneClass.status).toBe(400);
      expect(oneClass.body.message).toEqual([
        'admin.password must mix at least two of: lower-case letters, upper-case letters, digits, symbols',
      ]);

      const withName = await create({
        name: 'Weak',
        slug,
        admin: { username: 'jonathan', password: 'Jonathan-2024!' },
      });
      expect(withName.status).toBe(400);
      expect(withName.body.message).toEqual(['admin.password must not contain the username']);
      expect(await tenantRows(slug)).toBe(0);
    });

    it('validates every field at once and refuses unknown ones', async () => {
      const res = await create({
        name: '',
        slug: 'NO',
        admin: { username: '-x', password: 12345 },
        isPlatform: true,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          'property isPlatform should not exist',
          'name must be 1-120 characters',
          SLUG_RULE,
          expect.stringMatching(/^admin\.username must be 3-64 characters/),
          'admin.password must be a string',
        ]),
      );
    });
  });

  describe('who may call it', () => {
    it("refuses a tenant's Admin with 403 on POST and GET", async () => {
      const slug = uniqueSlug('sneaky');
      const post = await create(
        { name: 'Sneaky', slug, admin: { username: 'admin', password: PASSWORD } },
        existing.users.admin.token,
      );
      expect(post.status).toBe(403);
      expect(post.body).toMatchObject({ statusCode: 403, message: 'Missing permission: tenants:manage' });
      expect(await tenantRows(slug)).toBe(0);

      const get = await t.http().get('/tenants').set(bearer(existing.users.admin.token));
      expect(get.status).toBe(403);
      expect(get.body).not.toHaveProperty('items');
      expect(Array.isArray(get.body)).toBe(false);
    });

    it('refuses Editors and Viewers with 403 and anonymous callers with 401', async () => {
      for (const role of ['editor', 'viewer'] as const) {
        expect((await t.http().get('/tenants').set(bearer(existing.users[role].token))).status).toBe(403);
      }
      expect((await t.http().get('/tenants')).status).toBe(401);
      expect((await t.http().post('/tenants').send({})).status).toBe(401);
    });
  });
});
