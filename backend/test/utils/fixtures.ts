import { randomBytes } from 'node:crypto';
import { TestApp } from './app';

export const OPERATOR = {
  tenant: 'platform',
  username: process.env.PLATFORM_ADMIN_USERNAME ?? 'operator',
  password: process.env.PLATFORM_ADMIN_PASSWORD ?? 'Operator-Test-Pass-1',
};

export const PASSWORD = 'Test-Password-123';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export interface TenantFixture {
  id: string;
  slug: string;
  groups: { Admins: string; Editors: string; Viewers: string };
  users: Record<
    'admin' | 'editor' | 'viewer',
    { id: string; username: string; token: string; refreshToken: string }
  >;
}

export function uniqueSlug(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export async function login(t: TestApp, tenant: string, username: string, password: string): Promise<Tokens> {
  const res = await t.http().post('/auth/login').send({ tenant, username, password });
  if (res.status !== 200)
    throw new Error(`login ${tenant}/${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

let operatorToken: string | null = null;

export async function operator(t: TestApp): Promise<string> {
  if (!operatorToken)
    operatorToken = (await login(t, OPERATOR.tenant, OPERATOR.username, OPERATOR.password)).accessToken;
  return operatorToken;
}

/**
 * A fresh tenant with an Admin, an Editor and a Viewer, each signed in. Built through the public API only,
 * exactly as a newcomer would in Swagger.
 */
export async function createTenant(t: TestApp, slug = uniqueSlug()): Promise<TenantFixture> {
  const op = await operator(t);
  const created = await t
    .http()
    .post('/tenants')
    .set(bearer(op))
    .send({ name: `Tenant ${slug}`, slug, admin: { username: 'admin', password: PASSWORD } });
  if (created.status !== 201)
    throw new Error(`create tenant failed: ${created.status} ${JSON.stringify(created.body)}`);
  const admin = await login(t, slug, 'admin', PASSWORD);
  const groupsRes = await t.http().get('/user-groups').set(bearer(admin.accessToken));
  const groups = Object.fromEntries(
    (groupsRes.body as { id: string; name: string }[]).map((g) => [g.name, g.id]),
  ) as TenantFixture['groups'];

  const users = {
    admin: {
      id: created.body.admin.id,
      username: 'admin',
      token: admin.accessToken,
      refreshToken: admin.refreshToken,
    },
  } as TenantFixture['users'];
  for (const [role, group] of [
    ['editor', groups.Editors],
    ['viewer', groups.Viewers],
  ] as const) {
    const res = await t
      .http()
      .post('/users')
      .set(bearer(admin.accessToken))
      .send({ username: role, password: PASSWORD, groupId: group });
    if (res.status !== 201)
      throw new Error(`create ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
    const tokens = await login(t, slug, role, PASSWORD);
    users[role] = {
      id: res.body.id,
      username: role,
      token: tokens.accessToken,
      refreshToken: tokens.refreshToken,
    };
  }
  return { id: created.body.id, slug, groups, users };
}

/** Decodes a JWT payload without verifying it (tests only). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
