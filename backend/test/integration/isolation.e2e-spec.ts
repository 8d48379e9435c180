/**
 * THE tenant-isolation suite (OWASP API1 / SECURITY.md §1 "BOLA", figure #1 "cross-tenant access").
 *
 * Later features add their endpoints HERE: every new tenant-scoped route that takes an id (in the path, the
 * query or the body) gets a row in ID_CASES, every new list endpoint a row in LIST_CASES, and every new
 * tenant-owned table a line in SNAPSHOT_TABLES. Tenant A's Admin calls each row with tenant B's ids; the answer
 * must be 404 with the same body as for an id that exists nowhere, and neither tenant's data may change.
 *
 * The coverage test at the end reads the OpenAPI document of the running app: an operation that takes an id or
 * returns a list and has no row here (and is not in COVERED_ELSEWHERE) fails the suite.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildOpenApiDocument } from '../../src/common/swagger/swagger';
import { startTestApp, TestApp } from '../utils/app';
import { bearer, createTenant, PASSWORD, TenantFixture } from '../utils/fixtures';
import { ownerQuery } from '../utils/owner-db';
import { toOpenApiPath } from '../utils/routes';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The ids of the victim tenant B a case may aim at; for the control call they are replaced by unknown ids. */
interface Target {
  users: { admin: string; editor: string; viewer: string };
  groups: { Admins: string; Editors: string; Viewers: string };
  /** A non-system, empty group: a leak would let PATCH/DELETE succeed instead of answering 409. */
  customGroup: string;
}

interface World {
  t: TestApp;
  /** The attacker tenant (its Admin makes every call). */
  a: TenantFixture;
  /** The victim tenant. */
  b: TenantFixture;
  bCustomGroup: string;
  /** B as B's Admin sees it, read before the cases ran. */
  asB: (path: string) => Promise<request.Response>;
}

interface IdCase {
  name: string;
  /** The route this row exercises, as `METHOD /nest/:path` (several rows may share one). */
  route: string;
  method: Method;
  path: (target: Target, w: World) => string;
  body?: (target: Target, w: World) => object;
  /** Checks, as B through the API and in the database, that the call changed nothing it aimed at. */
  verifyUnchanged: (w: World) => Promise<void>;
}

interface ListCase {
  name: string;
  /** `GET /path` */
  route: string;
  /** Fetches the whole list as the given token (walking pages where the endpoint has them). */
  fetchIds: (
    w: World,
    token: string,
    extraQuery: string,
    headers?: Record<string, string>,
  ) => Promise<FetchResult>;
  /** Every id of the tenant that this list may show, read straight from the database. */
  idsInDb: (tenantId: string) => Promise<string[]>;
}

type FetchResult = { status: number; ids: string[] };

/** Tenant-owned tables; each is compared row by row, for both tenants, before and after every case. */
const SNAPSHOT_TABLES: { table: string; order: string }[] = [
  { table: 'tenants', order: 'id' },
  { table: 'user_groups', order: 'id' },
  { table: 'users', order: 'id' },
  { table: 'refresh_tokens', order: 'id' },
];

async function snapshot(tenantId: string): Promise<unknown> {
  const result: Record<string, unknown> = {};
  for (const { table, order } of SNAPSHOT_TABLES) {
    const column = table === 'tenants' ? 'id' : 'tenant_id';
    result[table] = await ownerQuery(`SELECT * FROM ${table} WHERE ${column} = $1 ORDER BY ${order}`, [
      tenantId,
    ]);
  }
  // The audit log grows with legitimate reads elsewhere; the victim's must not grow at all.
  result.audit_log = await ownerQuery(`SELECT id, action FROM audit_log WHERE tenant_id = $1 ORDER BY id`, [
    tenantId,
  ]);
  return JSON.parse(JSON.stringify(result));
}

async function userRow(tenantId: string, userId: string) {
  const rows = await ownerQuery<{ group_id: string; deleted_at: Date | null; username: string }>(
    `SELECT group_id, deleted_at, username FROM users WHERE tenant_id = $1 AND id = $2`,
    [tenantId, userId],
  );
  return rows[0];
}

async function groupRow(tenantId: string, groupId: string) {
  const rows = await ownerQuery<{ name: string; permissions: string[]; system: boolean }>(
    `SELECT name, permissions, system FROM user_groups WHERE tenant_id = $1 AND id = $2`,
    [tenantId, groupId],
  );
  return rows[0];
}

/** B's user, as B's Admin reads it and as stored: still there, still in the same group. */
const bUserIntact =
  (role: keyof Target['users'], group: keyof Target['groups']) =>
  async (w: World): Promise<void> => {
    const id = w.b.users[role].id;
    const res = await w.asB(`/users/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, username: role, groupId: w.b.groups[group] });
    expect(await userRow(w.b.id, id)).toMatchObject({ group_id: w.b.groups[group], deleted_at: null });
  };

/** B's group, as B's Admin lists it and as stored: same name, same permissions. */
const bGroupIntact =
  (pick: (w: World) => string, name: string, permissions: string[]) =>
  async (w: World): Promise<void> => {
    const id = pick(w);
    const sorted = [...permissions].sort();
    const res = await w.asB('/user-groups');
    expect(res.body).toContainEqual(expect.objectContaining({ id, name, permissions: sorted }));
    const row = await groupRow(w.b.id, id);
    expect({ name: row?.name, permissions: [...(row?.permissions ?? [])].sort() }).toEqual({
      name,
      permissions: sorted,
    });
  };

const SMUGGLED_USERNAME = 'smuggled.user';
const CUSTOM_GROUP = { name: 'B private', permissions: ['logs:view'] };

// ---------------------------------------------------------------------------------------------------------
// Endpoints that take an id. Add a row per new route (path ids, query ids, body ids, ids inside arrays).
// ---------------------------------------------------------------------------------------------------------
const ID_CASES: IdCase[] = [
  {
    name: "GET /users/:userId with B's Admin",
    route: 'GET /users/:userId',
    method: 'get',
    path: (b) => `/users/${b.users.admin}`,
    verifyUnchanged: bUserIntact('admin', 'Admins'),
  },
  {
    name: "GET /users/:userId with B's Editor",
    route: 'GET /users/:userId',
    method: 'get',
    path: (b) => `/users/${b.users.editor}`,
    verifyUnchanged: bUserIntact('editor', 'Editors'),
  },
  {
    name: "PUT /users/:userId/group: B's user into A's group",
    route: 'PUT /users/:userId/group',
    method: 'put',
    path: (b) => `/users/${b.users.editor}/group`,
    body: (_b, w) => ({ groupId: w.a.groups.Admins }),
    verifyUnchanged: bUserIntact('editor', 'Editors'),
  },
  {
    name: "PUT /users/:userId/group: B's user into B's group",
    route: 'PUT /users/:userId/group',
    method: 'put',
    path: (b) => `/users/${b.users.viewer}/group`,
    body: (b) => ({ groupId: b.groups.Admins }),
    verifyUnchanged: bUserIntact('viewer', 'Viewers'),
  },
  {
    name: "PUT /users/:userId/group: A's user into B's group (body id)",
    route: 'PUT /users/:userId/group',
    method: 'put',
    path: (_b, w) => `/users/${w.a.users.viewer.id}/group`,
    body: (b) => ({ groupId: b.groups.Admins }),
    verifyUnchanged: async (w) => {
      expect(await userRow(w.a.id, w.a.users.viewer.id)).toMatchObject({ group_id: w.a.groups.Viewers });
      const members = await ownerQuery(`SELECT 1 FROM users WHERE tenant_id = $1 AND group_id = $2`, [
        w.b.id,
        w.b.groups.Admins,
      ]);
      expect(members).toHaveLength(1);
    },
  },
  {
    name: "DELETE /users/:userId with B's Editor",
    route: 'DELETE /users/:userId',
    method: 'delete',
    path: (b) => `/users/${b.users.editor}`,
    verifyUnchanged: bUserIntact('editor', 'Editors'),
  },
  {
    name: "DELETE /users/:userId with B's last Admin",
    route: 'DELETE /users/:userId',
    method: 'delete',
    path: (b) => `/users/${b.users.admin}`,
    verifyUnchanged: bUserIntact('admin', 'Admins'),
  },
  {
    name: "POST /users with B's groupId (body id)",
    route: 'POST /users',
    method: 'post',
    path: () => '/users',
    body: (b) => ({ username: SMUGGLED_USERNAME, password: PASSWORD, groupId: b.groups.Admins }),
    verifyUnchanged: async (w) => {
      const rows = await ownerQuery(`SELECT tenant_id FROM users WHERE username = $1`, [SMUGGLED_USERNAME]);
      expect(rows).toEqual([]);
      const list = await w.asB('/users');
      expect(list.body.map((u: { username: string }) => u.username)).not.toContain(SMUGGLED_USERNAME);
    },
  },
  {
    name: "PATCH /user-groups/:id with B's custom group",
    route: 'PATCH /user-groups/:id',
    method: 'patch',
    path: (b) => `/user-groups/${b.customGroup}`,
    body: () => ({ name: 'Hijacked', permissions: ['users:manage', 'groups:manage'] }),
    verifyUnchanged: bGroupIntact((w) => w.bCustomGroup, CUSTOM_GROUP.name, CUSTOM_GROUP.permissions),
  },
  {
    name: "PATCH /user-groups/:id with B's system group",
    route: 'PATCH /user-groups/:id',
    method: 'patch',
    path: (b) => `/user-groups/${b.groups.Viewers}`,
    body: () => ({ permissions: ['users:manage'] }),
    verifyUnchanged: bGroupIntact((w) => w.b.groups.Viewers, 'Viewers', ['logs:view']),
  },
  {
    name: "DELETE /user-groups/:id with B's custom group",
    route: 'DELETE /user-groups/:id',
    method: 'delete',
    path: (b) => `/user-groups/${b.customGroup}`,
    verifyUnchanged: bGroupIntact((w) => w.bCustomGroup, CUSTOM_GROUP.name, CUSTOM_GROUP.permissions),
  },
  {
    name: "DELETE /user-groups/:id with B's system group",
    route: 'DELETE /user-groups/:id',
    method: 'delete',
    path: (b) => `/user-groups/${b.groups.Editors}`,
    verifyUnchanged: bGroupIntact((w) => w.b.groups.Editors, 'Editors', [
      'devices:link',
      'messages:send',
      'logs:view',
    ]),
  },
];

// ---------------------------------------------------------------------------------------------------------
// List endpoints. Add a row per new list; it is also called with ?tenantId=<B> and tenant headers.
// ---------------------------------------------------------------------------------------------------------
const LIST_CASES: ListCase[] = [
  {
    name: 'GET /users',
    route: 'GET /users',
    fetchIds: async (w, token, extra, headers = {}) => {
      const res = await w.t.http().get(`/users${extra}`).set(bearer(token)).set(headers);
      return { status: res.status, ids: res.status === 200 ? res.body.map((u: { id: string }) => u.id) : [] };
    },
    idsInDb: async (tenantId) =>
      (await ownerQuery<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1`, [tenantId])).map(
        (r) => r.id,
      ),
  },
  {
    name: 'GET /user-groups',
    route: 'GET /user-groups',
    fetchIds: async (w, token, extra, headers = {}) => {
      const res = await w.t.http().get(`/user-groups${extra}`).set(bearer(token)).set(headers);
      return { status: res.status, ids: res.status === 200 ? res.body.map((g: { id: string }) => g.id) : [] };
    },
    idsInDb: async (tenantId) =>
      (await ownerQuery<{ id: string }>(`SELECT id FROM user_groups WHERE tenant_id = $1`, [tenantId])).map(
        (r) => r.id,
      ),
  },
  {
    name: 'GET /audit-logs (every page)',
    route: 'GET /audit-logs',
    fetchIds: async (w, token, extra, headers = {}) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const sep = extra ? '&' : '?';
        const page: string = cursor ? `${sep}limit=100&cursor=${cursor}` : `${sep}limit=100`;
        const res = await w.t.http().get(`/audit-logs${extra}${page}`).set(bearer(token)).set(headers);
        if (res.status !== 200) return { status: res.status, ids: [] };
        ids.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      return { status: 200, ids };
    },
    idsInDb: async (tenantId) =>
      (await ownerQuery<{ id: string }>(`SELECT id FROM audit_log WHERE tenant_id = $1`, [tenantId])).map(
        (r) => String(r.id),
      ),
  },
];

// ---------------------------------------------------------------------------------------------------------
// Operations whose cross-tenant checks still live in their feature's suite (same rules: 404 equal to an
// unknown id's, no change, lists without the other tenant's rows). Move them into the tables above when
// touching them; a route missing from both places fails the coverage test.
// ---------------------------------------------------------------------------------------------------------
const DEVICES = 'devices.e2e-spec.ts › device isolation';
const MESSAGING = 'sending.e2e-spec.ts › messaging isolation';
const COVERED_ELSEWHERE: Record<string, string> = {
  'GET /whatsapp/devices': DEVICES,
  'GET /whatsapp/devices/:id': DEVICES,
  'DELETE /whatsapp/devices/:id': DEVICES,
  'GET /whatsapp/devices/:id/qr': DEVICES,
  'POST /whatsapp/devices/:id/sync': DEVICES,
  'PUT /whatsapp/devices/active': DEVICES,
  'POST /whatsapp/send': MESSAGING,
  'GET /messages': MESSAGING,
  'GET /messages/:id': MESSAGING,
  'GET /chats': MESSAGING,
  'GET /chats/:chatId/messages': MESSAGING,
  'GET /contacts': MESSAGING,
  'GET /groups': MESSAGING,
};

/** Not tenant data: the platform operator's tenant list (tenants.e2e-spec.ts) and anonymous documents. */
const NOT_TENANT_SCOPED = ['GET /tenants', 'GET /health', 'GET /.well-known/jwks.json'];

interface OpenApiParameter {
  name: string;
  in: string;
}
interface OpenApiSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, unknown>;
  items?: unknown;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: OpenApiSchema }> }>;
}

/** Operations of the document that take an id (path, `...Id` query or body field) or return a list. */
function tenantSurface(doc: OpenAPIObject): { takesId: string[]; lists: string[] } {
  const resolve = (schema: OpenApiSchema | undefined): OpenApiSchema | undefined =>
    schema?.$ref
      ? (doc.components?.schemas?.[schema.$ref.split('/').pop()!] as OpenApiSchema | undefined)
      : schema;
  const takesId: string[] = [];
  const lists: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, OpenApiOperation>)) {
      const key = `${method.toUpperCase()} ${path}`;
      const params = value.parameters ?? [];
      const body = resolve(value.requestBody?.content?.['application/json']?.schema);
      const idInBody = Object.keys(body?.properties ?? {}).some((name) => /Ids?$/.test(name));
      const idInQuery = params.some((p) => p.in === 'query' && /Ids?$/.test(p.name));
      if (params.some((p) => p.in === 'path') || idInQuery || idInBody) takesId.push(key);
      const ok = resolve(value.responses['200']?.content?.['application/json']?.schema);
      if (method === 'get' && (ok?.type === 'array' || ok?.properties?.items)) lists.push(key);
    }
  }
  return { takesId, lists };
}

function unknownTarget(): Target {
  return {
    users: { admin: randomUUID(), editor: randomUUID(), viewer: randomUUID() },
    groups: { Admins: randomUUID(), Editors: randomUUID(), Viewers: randomUUID() },
    customGroup: randomUUID(),
  };
}

function call(w: World, method: Method, path: string, body?: object): Promise<request.Response> {
  const req = w.t.http()[method](path).set(bearer(w.a.users.admin.token));
  return body ? req.send(body) : req;
}

describe("Tenant isolation: tenant A's Admin against tenant B's data", () => {
  const w = {} as World;
  let victim: Target;

  beforeAll(async () => {
    w.t = await startTestApp();
    [w.a, w.b] = await Promise.all([createTenant(w.t), createTenant(w.t)]);
    const custom = await w.t
      .http()
      .post('/user-groups')
      .set(bearer(w.b.users.admin.token))
      .send(CUSTOM_GROUP);
    expect(custom.status).toBe(201);
    w.bCustomGroup = custom.body.id;
    w.asB = (path) => w.t.http().get(path).set(bearer(w.b.users.admin.token));
    victim = {
      users: { admin: w.b.users.admin.id, editor: w.b.users.editor.id, viewer: w.b.users.viewer.id },
      groups: w.b.groups,
      customGroup: w.bCustomGroup,
    };
  });
  afterAll(() => w.t.close());

  describe('endpoints that take an id: 404 with the generic body, nothing changed', () => {
    for (const c of ID_CASES) {
      it(c.name, async () => {
        const before = { a: await snapshot(w.a.id), b: await snapshot(w.b.id) };

        const res = await call(w, c.method, c.path(victim, w), c.body?.(victim, w));
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);

        // Not-yours and does-not-exist must be indistinguishable.
        const unknown = unknownTarget();
        const control = await call(w, c.method, c.path(unknown, w), c.body?.(unknown, w));
        expect(control.status).toBe(404);
        expect({ ...res.body, requestId: '-' }).toEqual({ ...control.body, requestId: '-' });
        expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
        expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
        expect(JSON.stringify(res.body)).not.toContain(w.b.id);

        await c.verifyUnchanged(w);
        expect({ a: await snapshot(w.a.id), b: await snapshot(w.b.id) }).toEqual(before);
      });
    }
  });

  describe("list endpoints never show B's rows", () => {
    for (const c of LIST_CASES) {
      it(`${c.name}: only A's rows`, async () => {
        const [inA, inB] = [await c.idsInDb(w.a.id), await c.idsInDb(w.b.id)];
        expect(inB.length).toBeGreaterThan(0);
        const res = await c.fetchIds(w, w.a.users.admin.token, '');
        expect(res.status).toBe(200);
        expect(res.ids.length).toBeGreaterThan(0);
        expect(res.ids.filter((id) => inB.includes(id))).toEqual([]);
        expect(res.ids.filter((id) => !inA.includes(id))).toEqual([]);
      });

      it(`${c.name}: ?tenantId=<B> and tenant headers are ignored or refused, never obeyed`, async () => {
        const inB = await c.idsInDb(w.b.id);
        const plain = await c.fetchIds(w, w.a.users.admin.token, '');
        const attempts: [string, string, Record<string, string>][] = [
          ['?tenantId', `?tenantId=${w.b.id}`, {}],
          ['?tenant_id', `?tenant_id=${w.b.id}`, {}],
          ['?tenant', `?tenant=${w.b.slug}`, {}],
          ['X-Tenant-Id header', '', { 'X-Tenant-Id': w.b.id }],
        ];
        for (const [label, query, headers] of attempts) {
          const res = await c.fetchIds(w, w.a.users.admin.token, query, headers);
          expect({ label, status: [200, 400].includes(res.status) }).toEqual({ label, status: true });
          expect({ label, leaked: res.ids.filter((id) => inB.includes(id)) }).toEqual({ label, leaked: [] });
          if (res.status === 200) expect({ label, ids: res.ids }).toEqual({ label, ids: plain.ids });
        }
      });
    }
  });

  describe('coverage', () => {
    it('every operation that takes an id or returns a list has an isolation row', () => {
      const { takesId, lists } = tenantSurface(
        JSON.parse(JSON.stringify(buildOpenApiDocument(w.t.app))) as OpenAPIObject,
      );
      expect(takesId.length).toBeGreaterThan(5);
      expect(lists.length).toBeGreaterThan(2);
      const asKey = (route: string) => {
        const [method, path] = route.split(' ') as [string, string];
        return `${method} ${toOpenApiPath(path)}`;
      };
      const covered = new Set([
        ...ID_CASES.map((c) => asKey(c.route)),
        ...LIST_CASES.map((c) => asKey(c.route)),
        ...Object.keys(COVERED_ELSEWHERE).map(asKey),
        ...NOT_TENANT_SCOPED.map(asKey),
      ]);
      const missing = [...new Set([...takesId, ...lists])].filter((key) => !covered.has(key)).sort();
      expect(missing).toEqual([]);
      // Every row of the tables names an operation that exists (no stale rows after a rename).
      const existing = new Set([...takesId, ...lists]);
      const stale = [...ID_CASES, ...LIST_CASES]
        .map((c) => asKey(c.route))
        .filter((key) => !existing.has(key));
      expect(stale).toEqual([]);
    });
  });

  describe('afterwards', () => {
    it("B's own view is whole after all of the above", async () => {
      const users = await w.asB('/users');
      expect(users.body.map((u: { id: string }) => u.id).sort()).toEqual(
        Object.values(w.b.users)
          .map((u) => u.id)
          .sort(),
      );
      const groups = await w.asB('/user-groups');
      expect(groups.body.map((g: { id: string }) => g.id).sort()).toEqual(
        [...Object.values(w.b.groups), w.bCustomGroup].sort(),
      );
    });
  });
});
