import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../utils/app';
import { bearer, createTenant, login, PASSWORD, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const USERNAME_RULE =
  'username must be 3-64 characters of letters, digits, dot, underscore or hyphen, starting with a letter or digit';
const ALL_TENANT_PERMISSIONS = [
  'devices:link',
  'groups:manage',
  'logs:view',
  'messages:send',
  'users:manage',
];

interface AuditItem {
  id: string;
  action: string;
  actorUserId: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** Users and groups of one tenant as stored, for "nothing changed" checks. */
async function tenantState(tenantId: string): Promise<unknown> {
  const users = await ownerQuery(`SELECT * FROM users WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
  const groups = await ownerQuery(`SELECT * FROM user_groups WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
  return JSON.parse(JSON.stringify({ users, groups }));
}

async function adminsInDb(tenantId: string, adminsGroupId: string): Promise<string[]> {
  const rows = await ownerQuery<{ id: string }>(
    `SELECT id FROM users WHERE tenant_id = $1 AND group_id = $2 AND deleted_at IS NULL ORDER BY id`,
    [tenantId, adminsGroupId],
  );
  return rows.map((r) => r.id);
}

describe('Users, user groups and the audit trail', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let other: TenantFixture;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    [tenant, other] = await Promise.all([createTenant(t), createTenant(t)]);
    admin = tenant.users.admin.token;
  });
  afterAll(() => t.close());

  const as = (token: string) => ({
    get: (path: string) => t.http().get(path).set(bearer(token)),
    post: (path: string, body: object) => t.http().post(path).set(bearer(token)).send(body),
    put: (path: string, body: object) => t.http().put(path).set(bearer(token)).send(body),
    patch: (path: string, body: object) => t.http().patch(path).set(bearer(token)).send(body),
    delete: (path: string) => t.http().delete(path).set(bearer(token)),
  });

  const auditOf = async (token: string, action: string): Promise<AuditItem[]> => {
    const res = await as(token).get(`/audit-logs?action=${action}&limit=100`);
    expect(res.status).toBe(200);
    return res.body.items;
  };

  describe('POST /users', () => {
    it('creates a user: 201 with exactly {id, username, groupId, createdAt}', async () => {
      const res = await as(admin).post('/users', {
        username: 'alice.smith',
        password: PASSWORD,
        groupId: tenant.groups.Editors,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        username: 'alice.smith',
        groupId: tenant.groups.Editors,
        createdAt: expect.stringMatching(ISO_DATE),
      });
      const tokens = await login(t, tenant.slug, 'alice.smith', PASSWORD);
      const me = await as(tokens.accessToken).get('/auth/me');
      expect(me.body).toMatchObject({ userId: res.body.id, groupId: tenant.groups.Editors });
      const [row] = await ownerQuery<{ password_hash: string }>(
        `SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2`,
        [tenant.id, res.body.id],
      );
      expect(row!.password_hash).toMatch(/^\$2[aby]\$12\$/);
    });

    it.each([
      ['too short', 'ab'],
      ['too long', 'a'.repeat(65)],
      ['leading dot', '.alice'],
      ['leading hyphen', '-alice'],
      ['space', 'alice smith'],
      ['at sign', 'alice@example.com'],
      ['non-ASCII', 'jürgen'],
    ])('rejects a username (%s) with the username rule', async (_label, username) => {
      const res = await as(admin).post('/users', {
        username,
        password: PASSWORD,
        groupId: tenant.groups.Viewers,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: [USERNAME_RULE] });
    });

    it.each([
      ['shorter than 10 characters', 'Ab-1', 'password must be at least 10 characters'],
      ['longer than 72 bytes', `Aa-1${'é'.repeat(40)}`, 'password must be at most 72 bytes'],
      [
        'of one character class',
        'onlylowercaseletters',
        'password must mix at least two of: lower-case letters, upper-case letters, digits, symbols',
      ],
      ['containing the username', 'xx-Carol.Jones-99', 'password must not contain the username'],
    ])('rejects a password %s with a clear message', async (_label, password, message) => {
      const res = await as(admin).post('/users', {
        username: 'carol.jones',
        password,
        groupId: tenant.groups.Viewers,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([expect.stringContaining(message)]);
    });

    it('lists every broken field and refuses fields the client may not set', async () => {
      const res = await as(admin).post('/users', {
        username: 'x',
        password: 'short',
        groupId: 'nope',
        tenantId: other.id,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          'property tenantId should not exist',
          USERNAME_RULE,
          expect.stringContaining('password must be at least 10 characters'),
          'groupId must be a UUID',
        ]),
      );
      const missing = await as(admin).post('/users', {});
      expect(missing.status).toBe(400);
      expect(missing.body.message).toEqual(
        expect.arrayContaining([USERNAME_RULE, 'password must be a string', 'groupId must be a UUID']),
      );
    });

    it('refuses a duplicate username with 409, case-insensitively', async () => {
      const first = await as(admin).post('/users', {
        username: 'Bob',
        password: PASSWORD,
        groupId: tenant.groups.Viewers,
      });
      expect(first.status).toBe(201);
      for (const username of ['Bob', 'bob', 'BOB']) {
        const res = await as(admin).post('/users', {
          username,
          password: PASSWORD,
          groupId: tenant.groups.Viewers,
        });
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({
          statusCode: 409,
          message: 'Username is already taken in this tenant',
        });
      }
      const rows = await ownerQuery(
        `SELECT 1 FROM users WHERE tenant_id = $1 AND lower(username) = 'bob' AND deleted_at IS NULL`,
        [tenant.id],
      );
      expect(rows).toHaveLength(1);
    });

    it('allows the same username in another tenant', async () => {
      // "alice.smith" exists in the first tenant (created above); usernames are unique per tenant only.
      const res = await as(other.users.admin.token).post('/users', {
        username: 'alice.smith',
        password: PASSWORD,
        groupId: other.groups.Viewers,
      });
      expect(res.status).toBe(201);
    });

    it('answers 404 for an unknown groupId and for a groupId of another tenant', async () => {
      const before = await tenantState(tenant.id);
      const unknown = await as(admin).post('/users', {
        username: 'ghost1',
        password: PASSWORD,
        groupId: randomUUID(),
      });
      const foreign = await as(admin).post('/users', {
        username: 'ghost1',
        password: PASSWORD,
        groupId: other.groups.Admins,
      });
      expect(unknown.status).toBe(404);
      expect(foreign.status).toBe(404);
      expect({ ...foreign.body, requestId: null }).toEqual({ ...unknown.body, requestId: null });
      expect(unknown.body.message).toBe('User group not found');
      expect(await tenantState(tenant.id)).toEqual(before);
    });
  });

  describe('GET /users and GET /users/:userId', () => {
    it('lists the tenant users without secrets', async () => {
      const res = await as(admin).get('/users');
      expect(res.status).toBe(200);
      const ids = res.body.map((u: { id: string }) => u.id);
      expect(ids).toEqual(expect.arrayContaining(Object.values(tenant.users).map((u) => u.id)));
      for (const user of res.body) {
        expect(Object.keys(user).sort()).toEqual(['createdAt', 'groupId', 'id', 'username']);
      }
      const inDb = await ownerQuery<{ id: string }>(
        `SELECT id FROM users WHERE tenant_id = $1 AND deleted_at IS NULL`,
        [tenant.id],
      );
      expect([...ids].sort()).toEqual(inDb.map((r) => r.id).sort());
    });

    it('gets one user, 404 for an unknown id and 400 for a malformed one', async () => {
      const one = await as(admin).get(`/users/${tenant.users.viewer.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual({
        id: tenant.users.viewer.id,
        username: 'viewer',
        groupId: tenant.groups.Viewers,
        createdAt: expect.stringMatching(ISO_DATE),
      });

      const unknown = await as(admin).get(`/users/${randomUUID()}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ statusCode: 404, message: 'User not found', error: 'Not Found' });

      for (const bad of ['not-a-uuid', '1234', `${randomUUID()}x`]) {
        const res = await as(admin).get(`/users/${bad}`);
        expect(res.status).toBe(400);
        expect(res.body.message).toEqual(['userId must be a UUID']);
      }
    });
  });

  describe('PUT /users/:userId/group and DELETE /users/:userId', () => {
    it('moves a user; the change applies to their next request with the old token', async () => {
      const created = await as(admin).post('/users', {
        username: 'mover',
        password: PASSWORD,
        groupId: tenant.groups.Viewers,
      });
      const token = (await login(t, tenant.slug, 'mover', PASSWORD)).accessToken;
      expect((await as(token).get('/users')).status).toBe(403);

      const res = await as(admin).put(`/users/${created.body.id}/group`, { groupId: tenant.groups.Admins });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...created.body, groupId: tenant.groups.Admins });

      expect((await as(token).get('/users')).status).toBe(200);
      expect((await as(token).get('/auth/me')).body).toMatchObject({
        groupId: tenant.groups.Admins,
        permissions: ALL_TENANT_PERMISSIONS,
      });

      const back = await as(admin).put(`/users/${created.body.id}/group`, { groupId: tenant.groups.Viewers });
      expect(back.status).toBe(200);
      expect((await as(token).get('/users')).status).toBe(403);

      const audit = await auditOf(admin, 'user.group_changed');
      expect(audit).toContainEqual(
        expect.objectContaining({
          actorUserId: tenant.users.admin.id,
          targetId: created.body.id,
          details: expect.objectContaining({
            fromGroupId: tenant.groups.Viewers,
            toGroupId: tenant.groups.Admins,
          }),
        }),
      );
    });

    it('validates the body and the ids of PUT /users/:userId/group', async () => {
      const bad = await as(admin).put(`/users/${tenant.users.viewer.id}/group`, { groupId: 'Admins' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual(['groupId must be a UUID']);
      const unknownUser = await as(admin).put(`/users/${randomUUID()}/group`, {
        groupId: tenant.groups.Editors,
      });
      expect(unknownUser.status).toBe(404);
      const unknownGroup = await as(admin).put(`/users/${tenant.users.viewer.id}/group`, {
        groupId: randomUUID(),
      });
      expect(unknownGroup.status).toBe(404);
      expect(unknownGroup.body.message).toBe('User group not found');
    });

    it('deletes a user: 204, then 404; their tokens stop working; the username can be reused', async () => {
      const created = await as(admin).post('/users', {
        username: 'Leaver',
        password: PASSWORD,
        groupId: tenant.groups.Editors,
      });
      const tokens = await login(t, tenant.slug, 'leaver', PASSWORD);

      const res = await as(admin).delete(`/users/${created.body.id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      expect((await as(admin).get(`/users/${created.body.id}`)).status).toBe(404);
      expect((await as(admin).delete(`/users/${created.body.id}`)).status).toBe(404);
      expect((await as(admin).get('/users')).body.map((u: { id: string }) => u.id)).not.toContain(
        created.body.id,
      );
      expect((await as(tokens.accessToken).get('/auth/me')).status).toBe(401);
      expect((await t.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(
        401,
      );
      expect(
        (
          await t
            .http()
            .post('/auth/login')
            .send({ tenant: tenant.slug, username: 'leaver', password: PASSWORD })
        ).status,
      ).toBe(401);

      // The row stays for history, the name is free again (case-insensitively).
      const again = await as(admin).post('/users', {
        username: 'leaver',
        password: PASSWORD,
        groupId: tenant.groups.Viewers,
      });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(created.body.id);
      const relogin = await login(t, tenant.slug, 'leaver', PASSWORD);
      expect((await as(relogin.accessToken).get('/auth/me')).body).toMatchObject({ userId: again.body.id });
      const rows = await ownerQuery<{ id: string; deleted_at: Date | null }>(
        `SELECT id, deleted_at FROM users WHERE tenant_id = $1 AND lower(username) = 'leaver' ORDER BY created_at`,
        [tenant.id],
      );
      expect(rows.map((r) => [r.id, r.deleted_at !== null])).toEqual([
        [created.body.id, true],
        [again.body.id, false],
      ]);

      const audit = await auditOf(admin, 'user.deleted');
      expect(audit).toContainEqual(
        expect.objectContaining({
          actorUserId: tenant.users.admin.id,
          targetType: 'user',
          targetId: created.body.id,
        }),
      );
    });
  });

  describe('the last Admin', () => {
    let lone: TenantFixture;

    beforeAll(async () => {
      lone = await createTenant(t);
    });

    it('cannot be deleted or demoted (409 LAST_ADMIN), but can once a second Admin exists', async () => {
      const boss = lone.users.admin;
      const del = await as(boss.token).delete(`/users/${boss.id}`);
      expect(del.status).toBe(409);
      expect(del.body).toMatchObject({ statusCode: 409, code: 'LAST_ADMIN' });
      const demote = await as(boss.token).put(`/users/${boss.id}/group`, { groupId: lone.groups.Editors });
      expect(demote.status).toBe(409);
      expect(demote.body).toMatchObject({ statusCode: 409, code: 'LAST_ADMIN' });
      // Moving into the group one is already in is not a demotion.
      expect(
        (await as(boss.token).put(`/users/${boss.id}/group`, { groupId: lone.groups.Admins })).status,
      ).toBe(200);
      expect(await adminsInDb(lone.id, lone.groups.Admins)).toEqual([boss.id]);

      const second = await as(boss.token).post('/users', {
        username: 'second',
        password: PASSWORD,
        groupId: lone.groups.Admins,
      });
      expect(second.status).toBe(201);
      const secondToken = (await login(t, lone.slug, 'second', PASSWORD)).accessToken;

      // Two Admins: either may be demoted; then the other is the last one again.
      expect(
        (await as(boss.token).put(`/users/${second.body.id}/group`, { groupId: lone.groups.Editors })).status,
      ).toBe(200);
      const lastAgain = await as(boss.token).delete(`/users/${boss.id}`);
      expect(lastAgain.status).toBe(409);
      expect(lastAgain.body.code).toBe('LAST_ADMIN');
      expect(
        (await as(boss.token).put(`/users/${second.body.id}/group`, { groupId: lone.groups.Admins })).status,
      ).toBe(200);

      // Two Admins again: the first may now be deleted, and the second is then protected.
      expect((await as(secondToken).delete(`/users/${boss.id}`)).status).toBe(204);
      const self = await as(secondToken).delete(`/users/${second.body.id}`);
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('LAST_ADMIN');
      expect(await adminsInDb(lone.id, lone.groups.Admins)).toEqual([second.body.id]);
    });
  });

  describe('concurrent demotion of the last two Admins', () => {
    let pair: TenantFixture;
    let manager: string;
    let admins: string[];

    beforeAll(async () => {
      pair = await createTenant(t);
      const group = await as(pair.users.admin.token).post('/user-groups', {
        name: 'Managers',
        permissions: ['users:manage'],
      });
      await as(pair.users.admin.token).post('/users', {
        username: 'manager',
        password: PASSWORD,
        groupId: group.body.id,
      });
      const second = await as(pair.users.admin.token).post('/users', {
        username: 'admin2',
        password: PASSWORD,
        groupId: pair.groups.Admins,
      });
      manager = (await login(t, pair.slug, 'manager', PASSWORD)).accessToken;
      admins = [pair.users.admin.id, second.body.id];
    });

    it('leaves exactly one Admin: one PUT 200, the other 409 LAST_ADMIN (several rounds)', async () => {
      for (let round = 0; round < 4; round++) {
        expect(await adminsInDb(pair.id, pair.groups.Admins)).toEqual([...admins].sort());
        const results = await Promise.all(
          admins.map((id) => as(manager).put(`/users/${id}/group`, { groupId: pair.groups.Editors })),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        expect(results.find((r) => r.status === 409)!.body.code).toBe('LAST_ADMIN');
        const left = await adminsInDb(pair.id, pair.groups.Admins);
        expect(left).toHaveLength(1);
        const demoted = admins.find((id) => !left.includes(id))!;
        expect(results[admins.indexOf(demoted)]!.status).toBe(200);
        // Promote back for the next round.
        expect(
          (await as(manager).put(`/users/${demoted}/group`, { groupId: pair.groups.Admins })).status,
        ).toBe(200);
      }
    });

    it('the same holds for a concurrent delete and demotion', async () => {
      const [first, second] = admins as [string, string];
      const results = await Promise.all([
        as(manager).delete(`/users/${first}`),
        as(manager).put(`/users/${second}/group`, { groupId: pair.groups.Viewers }),
      ]);
      const [del, put] = results.map((r) => r.status);
      // Whichever commits first wins; the other sees one Admin left.
      expect([
        [204, 409],
        [409, 200],
      ]).toContainEqual([del, put]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('LAST_ADMIN');
      expect(await adminsInDb(pair.id, pair.groups.Admins)).toHaveLength(1);
    });
  });

  describe('Editors and Viewers', () => {
    let customGroup: string;

    beforeAll(async () => {
      const res = await as(admin).post('/user-groups', { name: 'Untouchable', permissions: ['logs:view'] });
      customGroup = res.body.id;
    });

    /** Every write of /users and /user-groups, with a valid body: only the permission may refuse it. */
    const writes = (): [
      string,
      (token: string) => Promise<{ status: number; body: { message?: unknown } }>,
    ][] => [
      [
        'POST /users',
        (tk) =>
          as(tk).post('/users', { username: 'intruder', password: PASSWORD, groupId: tenant.groups.Admins }),
      ],
      [
        'PUT /users/:id/group',
        (tk) => as(tk).put(`/users/${tenant.users.viewer.id}/group`, { groupId: tenant.groups.Admins }),
      ],
      ['DELETE /users/:id', (tk) => as(tk).delete(`/users/${tenant.users.admin.id}`)],
      [
        'POST /user-groups',
        (tk) => as(tk).post('/user-groups', { name: 'Intruders', permissions: ['users:manage'] }),
      ],
      [
        'PATCH /user-groups/:id',
        (tk) => as(tk).patch(`/user-groups/${customGroup}`, { permissions: ['users:manage'] }),
      ],
      ['DELETE /user-groups/:id', (tk) => as(tk).delete(`/user-groups/${customGroup}`)],
    ];

    it('get 403 on every /users and /user-groups write, and nothing changes', async () => {
      const before = await tenantState(tenant.id);
      for (const role of ['editor', 'viewer'] as const) {
        for (const [name, call] of writes()) {
          const res = await call(tenant.users[role].token);
          expect({ role, name, status: res.status }).toEqual({ role, name, status: 403 });
          expect(res.body.message).toMatch(/^Missing permission: /);
        }
      }
      expect(await tenantState(tenant.id)).toEqual(before);
    });

    it('get 403 on reading users, user groups and the audit trail', async () => {
      for (const role of ['editor', 'viewer'] as const) {
        for (const path of ['/users', `/users/${tenant.users.admin.id}`, '/user-groups', '/audit-logs']) {
          const res = await as(tenant.users[role].token).get(path);
          expect({ role, path, status: res.status }).toEqual({ role, path, status: 403 });
        }
      }
    });
  });

  describe('user groups', () => {
    it('a new tenant lists exactly its three system groups', async () => {
      const res = await as(other.users.admin.token).get('/user-groups');
      expect(res.status).toBe(200);
      expect(res.body.map((g: { name: string; system: boolean }) => [g.name, g.system])).toEqual([
        ['Admins', true],
        ['Editors', true],
        ['Viewers', true],
      ]);
      expect(res.body.map((g: { id: string }) => g.id)).toEqual([
        other.groups.Admins,
        other.groups.Editors,
        other.groups.Viewers,
      ]);
    });

    it('creates a custom group: 201 {id, name, permissions, system: false}', async () => {
      const res = await as(admin).post('/user-groups', {
        name: 'Support agents',
        permissions: ['messages:send', 'logs:view'],
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Support agents',
        permissions: ['logs:view', 'messages:send'],
        system: false,
      });
      const list = await as(admin).get('/user-groups');
      expect(list.body).toContainEqual(res.body);
      const audit = await auditOf(admin, 'group.created');
      expect(audit).toContainEqual(
        expect.objectContaining({ targetType: 'user_group', targetId: res.body.id }),
      );
    });

    it('validates permissions: unknown, tenants:manage and duplicates are 400', async () => {
      const before = await tenantState(tenant.id);
      const unknown = await as(admin).post('/user-groups', { name: 'Bad1', permissions: ['users:nuke'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toEqual([
        'each permission must be one of users:manage, groups:manage, devices:link, messages:send, logs:view',
      ]);
      const operatorOnly = await as(admin).post('/user-groups', {
        name: 'Bad2',
        permissions: ['tenants:manage'],
      });
      expect(operatorOnly.status).toBe(400);
      expect(operatorOnly.body.message).toEqual([expect.stringContaining('each permission must be one of')]);
      const duplicates = await as(admin).post('/user-groups', {
        name: 'Bad3',
        permissions: ['logs:view', 'logs:view'],
      });
      expect(duplicates.status).toBe(400);
      expect(duplicates.body.message).toEqual(['permissions must not repeat']);
      const notArray = await as(admin).post('/user-groups', { name: 'Bad4', permissions: 'logs:view' });
      expect(notArray.status).toBe(400);
      expect(notArray.body.message).toEqual(expect.arrayContaining(['permissions must be an array']));
      const badName = await as(admin).post('/user-groups', { name: '', permissions: [] });
      expect(badName.status).toBe(400);
      expect(badName.body.message).toEqual(expect.arrayContaining(['name must be 1-64 characters']));
      expect(await tenantState(tenant.id)).toEqual(before);
    });

    it('refuses a duplicate name with 409, case-insensitively, system names included', async () => {
      const first = await as(admin).post('/user-groups', { name: 'Auditors', permissions: ['logs:view'] });
      expect(first.status).toBe(201);
      for (const name of ['Auditors', 'auditors', 'ADMINS', 'viewers']) {
        const res = await as(admin).post('/user-groups', { name, permissions: [] });
        expect({ name, status: res.status }).toEqual({ name, status: 409 });
      }
    });

    it('PATCH renames and changes permissions; members get them on their next request', async () => {
      const group = await as(admin).post('/user-groups', { name: 'Readers', permissions: ['logs:view'] });
      await as(admin).post('/users', { username: 'reader', password: PASSWORD, groupId: group.body.id });
      const token = (await login(t, tenant.slug, 'reader', PASSWORD)).accessToken;
      expect((await as(token).get('/users')).status).toBe(403);

      const renamed = await as(admin).patch(`/user-groups/${group.body.id}`, { name: 'Readers plus' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({
        id: group.body.id,
        name: 'Readers plus',
        permissions: ['logs:view'],
        system: false,
      });

      const granted = await as(admin).patch(`/user-groups/${group.body.id}`, {
        permissions: ['logs:view', 'users:manage'],
      });
      expect(granted.status).toBe(200);
      expect(granted.body).toEqual({
        id: group.body.id,
        name: 'Readers plus',
        permissions: ['logs:view', 'users:manage'],
        system: false,
      });
      // Same token as before the change.
      expect((await as(token).get('/users')).status).toBe(200);
      expect((await as(token).get('/auth/me')).body.permissions).toEqual(['logs:view', 'users:manage']);

      const revoked = await as(admin).patch(`/user-groups/${group.body.id}`, { permissions: ['logs:view'] });
      expect(revoked.status).toBe(200);
      expect((await as(token).get('/users')).status).toBe(403);

      const audit = await auditOf(admin, 'group.changed');
      expect(audit).toContainEqual(
        expect.objectContaining({
          actorUserId: tenant.users.admin.id,
          targetType: 'user_group',
          targetId: group.body.id,
          details: {
            before: { name: 'Readers plus', permissions: ['logs:view'] },
            after: { name: 'Readers plus', permissions: ['logs:view', 'users:manage'] },
          },
        }),
      );
    });

    it('PATCH validates its body and refuses a name that is taken', async () => {
      const group = await as(admin).post('/user-groups', { name: 'Patchable', permissions: [] });
      const taken = await as(admin).patch(`/user-groups/${group.body.id}`, { name: 'editors' });
      expect(taken.status).toBe(409);
      const bad = await as(admin).patch(`/user-groups/${group.body.id}`, { permissions: ['tenants:manage'] });
      expect(bad.status).toBe(400);
      const unknownField = await as(admin).patch(`/user-groups/${group.body.id}`, { system: true });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.message).toEqual(['property system should not exist']);
      expect((await as(admin).patch(`/user-groups/${randomUUID()}`, { name: 'X' })).status).toBe(404);
      expect((await as(admin).patch('/user-groups/not-a-uuid', { name: 'X' })).status).toBe(400);
      // Only the case changes: allowed.
      const recased = await as(admin).patch(`/user-groups/${group.body.id}`, { name: 'PATCHABLE' });
      expect(recased.status).toBe(200);
    });

    it('system groups cannot be changed or deleted (409)', async () => {
      const before = await tenantState(tenant.id);
      for (const id of Object.values(tenant.groups)) {
        const patch = await as(admin).patch(`/user-groups/${id}`, { permissions: ['logs:view'] });
        expect(patch.status).toBe(409);
        expect(patch.body.code).toBe('SYSTEM_GROUP');
        const del = await as(admin).delete(`/user-groups/${id}`);
        expect(del.status).toBe(409);
        expect(del.body.code).toBe('SYSTEM_GROUP');
      }
      expect(await tenantState(tenant.id)).toEqual(before);
    });

    it('a group with members cannot be deleted (409); an empty one can (204)', async () => {
      const group = await as(admin).post('/user-groups', { name: 'Temporary', permissions: ['logs:view'] });
      const member = await as(admin).post('/users', {
        username: 'temp.member',
        password: PASSWORD,
        groupId: group.body.id,
      });
      const busy = await as(admin).delete(`/user-groups/${group.body.id}`);
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('GROUP_NOT_EMPTY');

      await as(admin).put(`/users/${member.body.id}/group`, { groupId: tenant.groups.Viewers });
      const res = await as(admin).delete(`/user-groups/${group.body.id}`);
      expect(res.status).toBe(204);
      expect((await as(admin).get('/user-groups')).body.map((g: { id: string }) => g.id)).not.toContain(
        group.body.id,
      );
      expect((await as(admin).delete(`/user-groups/${group.body.id}`)).status).toBe(404);
      const audit = await auditOf(admin, 'group.deleted');
      expect(audit).toContainEqual(expect.objectContaining({ targetId: group.body.id }));
    });

    it('a group whose only members were deleted can be deleted; their history rows stay', async () => {
      const group = await as(admin).post('/user-groups', { name: 'Ghosts', permissions: [] });
      const member = await as(admin).post('/users', {
        username: 'ghost.member',
        password: PASSWORD,
        groupId: group.body.id,
      });
      expect((await as(admin).delete(`/users/${member.body.id}`)).status).toBe(204);
      expect((await as(admin).delete(`/user-groups/${group.body.id}`)).status).toBe(204);
      const rows = await ownerQuery(`SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2`, [
        tenant.id,
        member.body.id,
      ]);
      expect(rows).toHaveLength(1);
    });
  });

  describe('audit trail', () => {
    it('records user.created, user.deleted, user.group_changed, group.changed, auth.login and auth.login_failed', async () => {
      const failed = await t
        .http()
        .post('/auth/login')
        .send({ tenant: tenant.slug, username: 'editor', password: 'Wrong-Pass-123' });
      expect(failed.status).toBe(401);

      const created = await auditOf(admin, 'user.created');
      expect(created).toContainEqual(
        expect.objectContaining({
          actorUserId: tenant.users.admin.id,
          targetType: 'user',
          targetId: tenant.users.editor.id,
          details: expect.objectContaining({ username: 'editor', groupId: tenant.groups.Editors }),
        }),
      );
      for (const action of ['user.deleted', 'user.group_changed', 'group.changed']) {
        expect((await auditOf(admin, action)).length).toBeGreaterThan(0);
      }
      const logins = await auditOf(admin, 'auth.login');
      expect(logins).toContainEqual(
        expect.objectContaining({ actorUserId: tenant.users.viewer.id, targetId: tenant.users.viewer.id }),
      );
      const failures = await auditOf(admin, 'auth.login_failed');
      expect(failures[0]).toMatchObject({
        actorUserId: null,
        targetType: 'user',
        targetId: tenant.users.editor.id,
        details: { reason: 'wrong_password' },
      });
      expect((failures[0] as unknown as { requestId: string }).requestId).toBe(failed.body.requestId);
    });

    it('never stores a password in an entry', async () => {
      const rows = await ownerQuery<{ n: string }>(
        `SELECT count(*) AS n FROM audit_log WHERE tenant_id = $1 AND (details::text ILIKE $2 OR details::text ILIKE '%password_hash%')`,
        [tenant.id, `%${PASSWORD}%`],
      );
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it('walks every entry exactly once with limit=2, newest first, in a stable order', async () => {
      const expected = (
        await ownerQuery<{ id: string }>(`SELECT id FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC`, [
          tenant.id,
        ])
      ).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(10);

      const seen: AuditItem[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
        const res = await as(admin).get(`/audit-logs?${query}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages++;
        expect(pages).toBeLessThan(expected.length + 2);
      } while (cursor);

      expect(seen.map((i) => i.id)).toEqual(expected);
      expect(new Set(seen.map((i) => i.id)).size).toBe(seen.length);
      // The same entries, in the same order, as one big page.
      const all = await as(admin).get('/audit-logs?limit=100');
      expect(all.body.items).toEqual(seen.slice(0, 100));
    });

    it('refuses a bad cursor and a limit outside 1..100 with 400', async () => {
      const cases = [
        'cursor=not-a-cursor',
        `cursor=${Buffer.from('{"id":"abc"}').toString('base64url')}`,
        `cursor=${Buffer.from('[1,2]').toString('base64url')}`,
        `cursor=${Buffer.from(`{"id":"${'9'.repeat(30)}"}`).toString('base64url')}`,
        'limit=101',
        'limit=0',
        'limit=abc',
      ];
      for (const query of cases) {
        const res = await as(admin).get(`/audit-logs?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(JSON.stringify(res.body)).not.toMatch(/bigint|SELECT|stack/i);
      }
      expect((await as(admin).get('/audit-logs?limit=101')).body.message).toEqual([
        'limit must be at most 100',
      ]);
      expect((await as(admin).get('/audit-logs?cursor=not-a-cursor')).body.message).toEqual([
        'cursor is invalid',
      ]);
    });
  });
});
