import { generateKeyPairSync, KeyObject, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import * as nodeModule from 'node:module';
import { AddressInfo } from 'node:net';
import { runInThisContext } from 'node:vm';
import { onExecutePostLogin } from '../../../deploy/auth0/post-login-action';
import { PASSWORD_REALM_GRANT } from '../../src/modules/identity/auth0.client';

/**
 * An OpenID Connect provider that behaves like an Auth0 tenant where it matters to the backend, for tests
 * without internet (panva's oidc-provider, set up as /work/shared/IDENTITY.md §2 describes):
 * - issuer `http://127.0.0.1:<port>/` (trailing slash, like `https://<tenant>.auth0.com/`);
 * - Auth0's routes: /authorize, /oauth/token, /.well-known/jwks.json, /v2/logout, /oauth/revoke, /userinfo;
 * - RS256 JWT access tokens for the API audience, header `typ: JWT`, `azp`/`gty` claims and
 *   `aud: [api, <issuer>userinfo]` when `openid` was granted;
 * - custom claims computed by the real post-login Action (deploy/auth0/post-login-action.js) from each
 *   fixture user's `app_metadata`, on login and on every refresh (Auth0 runs the Action on both);
 * - the `password-realm` grant (registered: oidc-provider has no password grant), checking fixture passwords;
 *   wrong passwords answer 403 `invalid_grant` "Wrong email or password." as Auth0 does;
 * - refresh tokens that rotate on every use; presenting a rotated one revokes the whole grant.
 *
 * Not reproduced: the hosted login page behind /authorize (no interactions are configured), MFA,
 * organizations, the Management API, ID tokens on the password grant, Auth0's 403 (instead of 400) for a
 * refused refresh token.
 */

export interface Auth0LikeUser {
  /** Auth0 user id, the token's `sub` (e.g. `auth0|65f0c1d2`). */
  sub: string;
  /** What the user types to sign in. */
  username: string;
  password: string;
  /** Stored in Auth0 but only reaches the access token through the Action (username/nickname). */
  usernameClaim?: boolean;
  nickname?: string;
  app_metadata: { tenantId?: string; groupId?: string };
}

export interface Auth0LikeOptions {
  audience: string;
  clientId?: string;
  clientSecret?: string;
  realm?: string;
  /** AUTH_CLAIM_NAMESPACE of the backend; handed to the Action as its CLAIM_NAMESPACE secret. */
  claimNamespace?: string;
  accessTokenTtlSeconds?: number;
}

export interface Auth0LikeProvider {
  /** `http://127.0.0.1:<port>/`: AUTH_ISSUER. */
  issuer: string;
  /** `http://127.0.0.1:<port>`: AUTH0_DOMAIN. */
  domain: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  realm: string;
  /** The key the provider signs with, for tests that build tokens by hand. */
  signingKey: { kid: string; privateKey: KeyObject };
  /** `METHOD /path` of every request received (bodies are not kept). */
  requests: string[];
  /** Adds or replaces a user (matched by username). */
  addUser(user: Auth0LikeUser): void;
  stop(): Promise<void>;
}

// The slice of oidc-provider's API used here (it ships no types).
interface OidcParams {
  [name: string]: string | undefined;
}
interface OidcClient {
  clientId: string;
}
interface OidcContext {
  oidc: { params?: OidcParams; client?: OidcClient };
  body?: unknown;
}
interface TokenModel {
  accountId?: string;
  gty?: string;
  scope?: string;
  resourceServer?: unknown;
  expiration: number;
  save(): Promise<string>;
}
interface GrantModel {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface OidcErrorClass {
  new (description?: string): Error & { status: number; statusCode: number };
}
interface OidcProvider {
  Grant: new (fields: { accountId: string; clientId: string }) => GrantModel;
  AccessToken: new (fields: Record<string, unknown>) => TokenModel;
  RefreshToken: new (fields: Record<string, unknown>) => TokenModel;
  ResourceServer: new (identifier: string, info: ResourceServerInfo) => unknown;
  registerGrantType(name: string, handler: (ctx: OidcContext) => Promise<void>, params: string[]): void;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  errors: {
    InvalidRequest: OidcErrorClass;
    InvalidTarget: OidcErrorClass;
    CustomOIDCProviderError: new (
      error: string,
      description: string,
    ) => Error & {
      status: number;
      statusCode: number;
    };
  };
}
interface ResourceServerInfo {
  audience: string;
  scope: string;
  accessTokenFormat: 'jwt';
  accessTokenTTL: number;
  jwt: { sign: { alg: 'RS256' } };
}

/**
 * oidc-provider is ESM-only, and Jest on Node < 24.9 cannot require ESM (nor is it worth transforming it
 * and its dependencies). Node's own loader can (require(esm), Node >= 20.19), so the module is loaded with it,
 * outside Jest's registry. Nothing from it crosses back into the app under test except over HTTP.
 */
function loadOidcProvider(): OidcProviderModule {
  const loader = nodeModule as unknown as {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
    _nodeModulePaths(from: string): string[];
  };
  const parent = { id: __filename, filename: __filename, paths: loader._nodeModulePaths(__dirname) };
  return loader._load('oidc-provider', parent, false) as OidcProviderModule;
}

/**
 * The module loaded that way lives in Node's main realm while this file runs in Jest's VM realm, and
 * oidc-provider tells configuration objects from class instances by `value.constructor === Object`. So every
 * object it receives from here (its configuration, what callbacks return) is copied into the main realm.
 */
const MainObject = runInThisContext('Object') as ObjectConstructor;

function mainRealm<T>(value: T): T {
  if (Array.isArray(value)) return value.map(mainRealm) as T;
  if (typeof value !== 'object' || value === null) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy = new MainObject() as Record<string, unknown>;
  for (const [name, member] of Object.entries(value)) copy[name] = mainRealm(member);
  return copy as T;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export async function startAuth0LikeProvider(options: Auth0LikeOptions): Promise<Auth0LikeProvider> {
  const { Provider, errors } = loadOidcProvider();
  const clientId = options.clientId ?? 'whatsapp-backend';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const realm = options.realm ?? 'Username-Password-Authentication';
  const namespace = options.claimNamespace ?? '';
  const { audience } = options;
  const ttl = options.accessTokenTtlSeconds ?? 900;
  const users = new Map<string, Auth0LikeUser>();
  const bySub = (sub: string | undefined) => [...users.values()].find((u) => u.sub === sub);
  const requests: string[] = [];

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const domain = `http://127.0.0.1:${port}`;
  const issuer = `${domain}/`;

  const kid = `auth0-like-${randomUUID()}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const resourceServer: ResourceServerInfo = {
    audience,
    scope: 'openid profile email offline_access',
    accessTokenFormat: 'jwt',
    accessTokenTTL: ttl,
    jwt: { sign: { alg: 'RS256' } },
  };

  /** Runs the real post-login Action for a user, as Auth0 would for a token of our API. */
  async function runAction(
    user: Auth0LikeUser,
  ): Promise<{ claims: Record<string, unknown>; denied?: string }> {
    const claims: Record<string, unknown> = {};
    let denied: string | undefined;
    await onExecutePostLogin(
      {
        user: {
          user_id: user.sub,
          username: user.usernameClaim === false ? undefined : user.username,
          nickname: user.nickname,
          app_metadata: user.app_metadata,
        },
        resource_server: { identifier: audience },
        secrets: { CLAIM_NAMESPACE: namespace, API_AUDIENCE: audience },
      },
      {
        access: { deny: (reason) => (denied = reason) },
        accessToken: { setCustomClaim: (name, value) => (claims[name] = value) },
      },
    );
    return { claims, denied };
  }

  /** Auth0 answers refusals of the token endpoint with 403. */
  const forbidden = (error: string, description: string) => {
    const refusal = new errors.CustomOIDCProviderError(error, description);
    refusal.status = refusal.statusCode = 403;
    return refusal;
  };

  const configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: [PASSWORD_REALM_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      jwks: '/.well-known/jwks.json',
      end_session: '/v2/logout',
      revocation: '/oauth/revoke',
      userinfo: '/userinfo',
    },
    features: {
      devInteractions: { enabled: false },
      // Like Auth0: an application revokes only tokens issued to it.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: OidcClient, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx: OidcContext, _client: unknown, oneOf?: string[]) =>
          ctx.oidc.params?.audience ?? oneOf ?? audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          return mainRealm(resourceServer);
        },
      },
    },
    findAccount: (_ctx: unknown, sub: string) => {
      const user = bySub(sub);
      return user
        ? mainRealm({ accountId: sub, claims: () => mainRealm({ sub, nickname: user.nickname }) })
        : undefined;
    },
    extraTokenClaims: async (_ctx: unknown, token: TokenModel) => {
      const user = bySub(token.accountId);
      return user ? mainRealm((await runAction(user)).claims) : undefined;
    },
    formats: {
      customizers: {
        jwt: (
          _ctx: unknown,
          token: TokenModel,
          jwt: { header?: object; payload: Record<string, unknown> },
        ) => {
          jwt.header = mainRealm({ typ: 'JWT' });
          jwt.payload.azp = clientId;
          jwt.payload.gty = token.gty;
          delete jwt.payload.client_id;
          if (token.scope?.split(' ').includes('openid')) {
            jwt.payload.aud = mainRealm([audience, `${issuer}userinfo`]);
          }
        },
      },
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      Grant: 14 * 86_400,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 86_400,
      Session: 14 * 86_400,
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    clientBasedCORS: () => false,
  };
  let provider: OidcProvider;
  try {
    provider = new Provider(issuer, mainRealm(configuration));
  } catch (error) {
    server.close();
    throw error;
  }

  provider.registerGrantType(
    PASSWORD_REALM_GRANT,
    async (ctx) => {
      const params = ctx.oidc.params ?? {};
      const client = ctx.oidc.client!;
      if (!params.username || !params.password)
        throw new errors.InvalidRequest('missing username or password');
      if (params.realm !== realm) throw forbidden('invalid_grant', 'Wrong email or password.');
      if ((params.audience ?? audience) !== audience) {
        throw forbidden('access_denied', `Service not found: ${params.audience}`);
      }
      const user = users.get(params.username);
      if (!user || !samePassword(user.password, params.password)) {
        throw forbidden('invalid_grant', 'Wrong email or password.');
      }
      const { denied } = await runAction(user);
      if (denied) throw forbidden('access_denied', denied);

      const scopes = (params.scope ?? '').split(' ').filter((s) => OIDC_SCOPES.has(s));
      const scope = scopes.join(' ');
      const grant = new provider.Grant({ accountId: user.sub, clientId: client.clientId });
      grant.addOIDCScope(scope);
      grant.addResourceScope(audience, scope);
      const grantId = await grant.save();

      const accessToken = new provider.AccessToken({ accountId: user.sub, client, grantId, gty: 'password' });
      accessToken.resourceServer = new provider.ResourceServer(audience, mainRealm(resourceServer));
      accessToken.scope = scope;
      const body: Record<string, unknown> = {
        access_token: await accessToken.save(),
        scope,
        expires_in: accessToken.expiration,
        token_type: 'Bearer',
      };
      if (scopes.includes('offline_access')) {
        const refreshToken = new provider.RefreshToken({
          accountId: user.sub,
          client,
          grantId,
          gty: 'password',
          scope,
          resource: audience,
          rotations: 0,
        });
        body.refresh_token = await refreshToken.save();
      }
      ctx.body = mainRealm(body);
    },
    mainRealm(['username', 'password', 'realm', 'scope', 'audience']),
  );
  provider.on('server_error', (_ctx, error) => {
    process.stderr.write(`auth0-like provider error: ${(error as Error).stack}\n`);
  });

  handler = provider.callback();
  return {
    issuer,
    domain,
    audience,
    clientId,
    clientSecret,
    realm,
    signingKey: { kid, privateKey },
    requests,
    addUser: (user) => users.set(user.username, user),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
