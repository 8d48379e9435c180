import { onExecutePostLogin, PostLoginEvent } from '../../../deploy/auth0/post-login-action';

const TENANT = '6f1c1e4e-8a3b-4c2d-9e1f-0a1b2c3d4e5f';
const GROUP = '0b7e2f0c-1d2e-4f3a-8b9c-0d1e2f3a4b5c';

/** Calls the Action with stubs of Auth0's `api` and returns what it did. */
async function run(event: PostLoginEvent): Promise<{ claims: Record<string, unknown>; denied: string[] }> {
  const claims: Record<string, unknown> = {};
  const denied: string[] = [];
  await onExecutePostLogin(event, {
    access: { deny: (reason) => denied.push(reason) },
    accessToken: { setCustomClaim: (name, value) => (claims[name] = value) },
  });
  return { claims, denied };
}

const user = (app_metadata: Record<string, unknown>, extra: Partial<PostLoginEvent['user']> = {}) => ({
  user_id: 'auth0|65f0c1d2',
  username: 'alice',
  app_metadata,
  ...extra,
});

describe('Auth0 post-login Action', () => {
  it('puts tenantId, groupId and the username from app_metadata into the access token', async () => {
    const result = await run({ user: user({ tenantId: TENANT, groupId: GROUP }) });
    expect(result).toEqual({ claims: { tenantId: TENANT, groupId: GROUP, username: 'alice' }, denied: [] });
  });

  it('namespaces the claims with the CLAIM_NAMESPACE secret', async () => {
    const ns = 'https://whatsapp.example.com/';
    const { claims } = await run({
      user: user({ tenantId: TENANT, groupId: 'Editors' }),
      secrets: { CLAIM_NAMESPACE: ns },
    });
    expect(claims).toEqual({
      [`${ns}tenantId`]: TENANT,
      [`${ns}groupId`]: 'Editors',
      [`${ns}username`]: 'alice',
    });
  });

  it('lower-cases the tenant id, and falls back to the nickname for the username', async () => {
    const { claims } = await run({
      user: user({ tenantId: TENANT.toUpperCase() }, { username: undefined, nickname: 'ally' }),
    });
    expect(claims).toEqual({ tenantId: TENANT, username: 'ally' });
  });

  it('denies a user without a valid tenant id and sets no claim', async () => {
    for (const app_metadata of [{}, { tenantId: 'acme' }, { tenantId: 42 }, { groupId: GROUP }]) {
      const result = await run({ user: user(app_metadata) });
      expect(result.denied).toEqual(['This account is not assigned to a tenant of the WhatsApp service.']);
      expect(result.claims).toEqual({});
    }
    const noMetadata = await run({ user: { user_id: 'auth0|x' } });
    expect(noMetadata.denied).toHaveLength(1);
  });

  it('ignores a groupId that is not a short string', async () => {
    for (const groupId of [7, '', 'x'.repeat(65), { id: GROUP }]) {
      const { claims } = await run({ user: user({ tenantId: TENANT, groupId }) });
      expect(claims).not.toHaveProperty('groupId');
    }
  });

  it('leaves tokens for other APIs alone when API_AUDIENCE is set', async () => {
    const secrets = { API_AUDIENCE: 'https://api.whatsapp.example.com' };
    const other = await run({
      user: user({}),
      resource_server: { identifier: 'https://tenant.eu.auth0.com/api/v2/' },
      secrets,
    });
    expect(other).toEqual({ claims: {}, denied: [] });
    const ours = await run({
      user: user({ tenantId: TENANT }),
      resource_server: { identifier: secrets.API_AUDIENCE },
      secrets,
    });
    expect(ours.claims).toEqual({ tenantId: TENANT, username: 'alice' });
  });
});
