import createClient from 'openapi-fetch';
import type { paths } from './generated/schema';
import type { ErrorBody } from './types';

/** A failed API call: HTTP status (0 when the API could not be reached) and the server's message(s). */
export class ApiError extends Error {
  readonly status: number;
  /** One entry per invalid field for validation errors, else the server's sentence. */
  readonly messages: string[];
  /** Stable machine-readable code for some errors (LAST_ADMIN, SYSTEM_GROUP …). */
  readonly code?: string;
  readonly requestId?: string;
  /** Seconds, from Retry-After on 429. */
  readonly retryAfter?: number;
  /** A 502-504 from the proxy in front of the API (nginx, the dev server): the API itself did not answer. */
  readonly gateway: boolean;

  constructor(init: {
    status: number;
    messages: string[];
    code?: string;
    requestId?: string;
    retryAfter?: number;
    gateway?: boolean;
  }) {
    super(init.messages.join('; ') || `Request failed (${init.status})`);
    this.name = 'ApiError';
    this.status = init.status;
    this.messages = init.messages;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.gateway = init.gateway ?? false;
  }

  /** The API could not be reached at all (network, or a proxy answering for it). */
  get unreachable(): boolean {
    return this.status === 0 || this.gateway;
  }

  static from(response: Response, body: unknown): ApiError {
    const error = (body && typeof body === 'object' ? body : {}) as Partial<ErrorBody>;
    const raw = error.message ?? (typeof body === 'string' && body ? body : response.statusText);
    const messages = (Array.isArray(raw) ? raw : [raw]).filter(
      (m): m is string => typeof m === 'string' && !!m,
    );
    const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    return new ApiError({
      status: response.status,
      messages,
      code: error.code,
      requestId: error.requestId ?? response.headers.get('X-Request-Id') ?? undefined,
      retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
      gateway: isGatewayError(response),
    });
  }
}

/** The API answers errors as JSON; a bare 502-504 comes from the proxy in front of it. */
function isGatewayError(response: Response): boolean {
  return (
    response.status >= 502 &&
    response.status <= 504 &&
    !/json/i.test(response.headers.get('Content-Type') ?? '')
  );
}

/** How the client reaches the session without importing it (the session store uses the client). */
export interface AuthHooks {
  getAccessToken(): string | null;
  /** Rotates the tokens; resolves false when the session cannot be refreshed. */
  refresh(): Promise<boolean>;
  /** The session is over (refresh failed, or the retried call was refused again). */
  onSessionExpired(): void;
}

/** `unreachable`: no answer at all; `unavailable`: 502/503 (WAHA or a dependency down). */
export type ApiHealth = 'ok' | 'unreachable' | 'unavailable';

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
}

// Calls that must never trigger a refresh: they are the refresh machinery itself.
const NO_REFRESH = /\/auth\/(login|refresh|logout)$/;

function defaultBaseUrl(): string {
  const origin = globalThis.location?.origin;
  return `${origin && origin !== 'null' ? origin : 'http://localhost'}/api`;
}

/**
 * The typed client (openapi-fetch over the generated schema) with a fetch that adds the bearer token,
 * refreshes once on 401 (concurrent 401s share one refresh) and retries the call once, then gives up and
 * ends the session. It also reports reachability for the API-down banner.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const healthListeners = new Set<(health: ApiHealth) => void>();
  let hooks: AuthHooks | null = null;
  let refreshing: Promise<boolean> | null = null;

  function report(health: ApiHealth): void {
    for (const listener of healthListeners) listener(health);
  }

  function authorize(request: Request): { request: Request; token: string | null } {
    const token = hooks?.getAccessToken() ?? null;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return { request, token };
  }

  async function send(request: Request): Promise<Response> {
    let response: Response;
    try {
      response = await baseFetch(request);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      report('unreachable');
      throw new ApiError({ status: 0, messages: ['The service cannot be reached'] });
    }
    report(
      isGatewayError(response)
        ? 'unreachable'
        : response.status === 502 || response.status === 503
          ? 'unavailable'
          : 'ok',
    );
    return response;
  }

  function refreshOnce(): Promise<boolean> {
    refreshing ??= (hooks?.refresh() ?? Promise.resolve(false))
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function authFetch(input: Request): Promise<Response> {
    const spare = input.clone(); // the body can be read once: keep a copy for the retry
    const first = authorize(input);
    const response = await send(first.request);
    if (response.status !== 401 || !hooks || NO_REFRESH.test(new URL(input.url).pathname)) return response;

    // Another call may already have rotated the token while this one was in flight.
    const rotated = hooks.getAccessToken() !== first.token || (await refreshOnce());
    if (!rotated || !hooks.getAccessToken()) {
      hooks.onSessionExpired();
      return response;
    }
    const retried = await send(authorize(spare).request);
    if (retried.status === 401) hooks.onSessionExpired();
    return retried;
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl ?? defaultBaseUrl(), fetch: authFetch });

  return {
    client,
    configureAuth(next: AuthHooks | null): void {
      hooks = next;
    },
    onHealth(listener: (health: ApiHealth) => void): () => void {
      healthListeners.add(listener);
      return () => healthListeners.delete(listener);
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>['client'];

/** Resolves the data of a successful call, throws ApiError otherwise. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.from(response, error);
  return data as T;
}

const api = createApiClient();

/** The portal's one client; stores and composables call `client.GET('/path', …)` through `unwrap`. */
export const client: ApiClient = api.client;
export const configureApiAuth = api.configureAuth;
export const onApiHealth = api.onHealth;
