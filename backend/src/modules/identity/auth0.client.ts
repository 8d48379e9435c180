import { Logger, ServiceUnavailableException } from '@nestjs/common';
import axios, { AxiosInstance, AxiosResponse } from 'axios';
import { RateLimitedException } from '../../common/errors/app.exception';

/** Auth0's resource-owner-password grant against one named connection (the "realm"). */
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

const DEFAULT_TIMEOUT_MS = 5_000;

export interface Auth0ClientOptions {
  /** `tenant.eu.auth0.com`, a custom domain, or a full origin such as `http://127.0.0.1:4010` (tests). */
  domain: string;
  clientId: string;
  clientSecret: string;
  /** The database connection users sign in with. */
  realm: string;
  /** Identifier of our API in Auth0: access tokens are issued for it (AUTH_AUDIENCE). */
  audience: string;
  timeoutMs?: number;
}

export interface Auth0Tokens {
  accessToken: string;
  /** Null when Auth0 issued none (the API does not allow offline access). */
  refreshToken: string | null;
  expiresIn: number;
}

/**
 * Auth0 refused the credentials or the refresh token (400/401/403 such as `invalid_grant`,
 * `access_denied`, `mfa_required`). Callers answer their usual generic 401; the detail only goes to the log.
 */
export class Auth0Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`Auth0 refused the request (HTTP ${status} ${error})`);
    this.name = 'Auth0Refusal';
  }
}

/** Auth0 unreachable, too slow, failing, or refusing this service's own client configuration. */
export class Auth0UnavailableException extends ServiceUnavailableException {
  constructor(detail: string) {
    super(`Sign-in is temporarily unavailable: the identity provider (Auth0) ${detail}`);
  }
}

/**
 * OAuth error codes that mean our client is set up wrongly (wrong secret, grant type not enabled for the
 * application, unknown scope) or Auth0 is failing: not the user's fault, so never a 401 that would count
 * against their login limit.
 */
const NOT_THE_USERS_FAULT = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]);

/**
 * Typed client for the three Auth0 Authentication API calls the backend makes with its confidential client:
 * password-realm and refresh-token grants on `POST /oauth/token`, and `POST /oauth/revoke`.
 *
 * Form-encoded bodies (what Auth0 and standard OAuth servers all accept), a hard timeout, no redirects, no
 * retries (a token request is not idempotent: a refresh rotates, a password attempt counts). Tokens, passwords
 * and the client secret are never logged and never carried by the errors this throws.
 */
export class Auth0Client {
  private readonly logger = new Logger(Auth0Client.name);
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;

  constructor(private readonly options: Auth0ClientOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const domain = options.domain.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: /^https?:\/\//.test(domain) ? domain : `https://${domain}`,
      timeout: this.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      maxContentLength: 256 * 1024,
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }

  /**
   * Signs a user in with username and password. `endUserIp` goes to Auth0 as `auth0-forwarded-for`, so its
   * brute-force protection counts the user's address rather than ours (honoured when the application has
   * "Trust Token Endpoint IP Header" enabled).
   */
  async passwordRealm(username: string, password: string, endUserIp?: string): Promise<Auth0Tokens> {
    const response = await this.post(
      '/oauth/token',
      {
        grant_type: PASSWORD_REALM_GRANT,
        username,
        password,
        realm: this.options.realm,
        audience: this.options.audience,
        scope: 'openid offline_access',
        ...this.clientCredentials(),
      },
      endUserIp ? { 'auth0-forwarded-for': endUserIp } : {},
    );
    return this.tokensFrom(response, 'password-realm');
  }

  /** Exchanges a refresh token. With rotation on, Auth0 returns a new one and spends the old one. */
  async refresh(refreshToken: string): Promise<Auth0Tokens> {
    const response = await this.post('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...this.clientCredentials(),
    });
    return this.tokensFrom(response, 'refresh_token');
  }

  /**
   * Revokes a refresh token (and, at Auth0, the grant it belongs to). A token Auth0 does not know counts as
   * revoked (RFC 7009); only an outage or a misconfiguration throws.
   */
  async revoke(refreshToken: string): Promise<void> {
    const response = await this.post('/oauth/revoke', { token: refreshToken, ...this.clientCredentials() });
    if (response.status === 200) return;
    const failure = this.failureOf(response, 'revoke');
    if (failure instanceof Auth0Refusal) return;
    throw failure;
  }

  private clientCredentials(): { client_id: string; client_secret: string } {
    return { client_id: this.options.clientId, client_secret: this.options.clientSecret };
  }

  private async post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<AxiosResponse> {
    try {
      return await this.http.post(path, new URLSearchParams(form).toString(), {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Deliberately not the axios error itself: its `config` holds the request body (password, secret).
      const detail = describeNetworkError(error, this.timeoutMs);
      this.logger.warn({ path, detail }, 'Auth0 request failed');
      throw new Auth0UnavailableException(detail);
    }
  }

  private tokensFrom(response: AxiosResponse, call: string): Auth0Tokens {
    if (response.status !== 200) throw this.failureOf(response, call);
    const body = asObject(response.data);
    const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : 'bearer';
    if (typeof body.access_token !== 'string' || !body.access_token || tokenType !== 'bearer') {
      this.logger.error({ call }, 'Auth0 answered 200 without a bearer access token');
      throw new Auth0UnavailableException('returned an unusable token response');
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
      expiresIn: Number.isInteger(expiresIn) && expiresIn > 0 ? expiresIn : 0,
    };
  }

  /** What a non-200 answer means for the caller: a refusal (401 for them), a rate limit, or an outage. */
  private failureOf(response: AxiosResponse, call: string): Error {
    const { status } = response;
    const body = asObject(response.data);
    const error = typeof body.error === 'string' ? body.error : `http_${status}`;
    // Auth0's descriptions name the problem, never the secret ("Wrong email or password.").
    const description =
      typeof body.error_description === 'string' ? body.error_description.slice(0, 200) : undefined;

    if (status === 429) {
      this.logger.warn({ call, status, error }, 'Auth0 rate limited the request');
      return new RateLimitedException(
        retryAfterSeconds(response),
        'Too many requests to the identity provider; try again later',
      );
    }
    if ((status === 400 || status === 401 || status === 403) && !NOT_THE_USERS_FAULT.has(error)) {
      this.logger.debug({ call, status, error, description }, 'Auth0 refused the request');
      return new Auth0Refusal(status, error);
    }
    if (NOT_THE_USERS_FAULT.has(error) && status < 500) {
      this.logger.error(
        { call, status, error, description },
        "Auth0 refused this service's client configuration: check AUTH0_CLIENT_ID/SECRET, the grant types enabled for the application, AUTH0_REALM and AUTH_AUDIENCE",
      );
      return new Auth0UnavailableException("refused this service's configuration");
    }
    this.logger.warn({ call, status, error }, 'Auth0 failed');
    return new Auth0UnavailableException(`failed (HTTP ${status})`);
  }
}

function asObject(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}

function retryAfterSeconds(response: AxiosResponse): number {
  const headers = response.headers as Record<string, unknown>;
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.ceil(retryAfter);
  // Auth0 sends the reset time as epoch seconds.
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return 60;
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (
    code === 'ECONNABORTED' ||
    code === 'ETIMEDOUT' ||
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    name === 'CanceledError'
  ) {
    return `did not answer within ${timeoutMs} ms`;
  }
  return typeof code === 'string' ? `could not be reached (${code})` : 'could not be reached';
}
