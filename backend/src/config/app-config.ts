/**
 * The whole runtime configuration, read and validated once at boot (see `loadConfig`).
 * Nothing else in the code base reads `process.env`.
 */
export interface AppConfig {
  env: 'development' | 'test' | 'production';
  http: {
    host: string;
    port: number;
    /** Public origin of the API, used for the built-in issuer and the WAHA webhook URL. */
    publicBaseUrl: string;
    corsOrigins: string[];
    bodyLimitBytes: number;
    trustProxy: boolean;
    swaggerEnabled: boolean;
  };
  database: {
    /** Owner connection: creates the database, runs migrations. Never used to serve requests. */
    ownerUrl: string;
    /** Runtime connection: a role that is not a superuser, has no BYPASSRLS and owns no tables. */
    appUrl: string;
    appUser: string;
    appPassword: string | null;
    poolSize: number;
    migrateOnStart: boolean;
  };
  redis: {
    url: string;
    keyPrefix: string;
  };
  platformAdmin: {
    username: string;
    password: string;
    /** True when the password is the development default, printed once at start. */
    isDevelopmentDefault: boolean;
  };
  auth: {
    mode: 'local' | 'auth0';
    issuer: string;
    audience: string;
    jwksUri: string;
    algorithms: ('RS256' | 'ES256')[];
    claimNamespace: string;
    accessTokenTtlSeconds: number;
    refreshIdleTtlSeconds: number;
    refreshAbsoluteTtlSeconds: number;
    /** Secret from which the key that encrypts private keys and device HMAC keys at rest is derived. */
    keySecret: string;
    auth0: { domain: string; clientId: string; clientSecret: string; realm: string } | null;
  };
  rateLimit: {
    windowSeconds: number;
    perUser: number;
    perIp: number;
    loginPerIp: number;
    loginPerUsername: number;
    loginWindowSeconds: number;
  };
  log: { level: string };
  waha: {
    servers: { url: string; apiKey: string; capacity: number | null }[];
    /** Start the bundled emulator from `npm start` (no WAHA_URL/WAHA_SERVERS given). */
    emulator: boolean;
    emulatorPort: number;
    /** Where WAHA posts its webhooks (must reach this API from the WAHA container). */
    webhookUrl: string;
    requestTimeoutMs: number;
    /** Webhooks whose signed timestamp is older than this are refused as replays. */
    webhookMaxAgeSeconds: number;
    /** A session still STARTING after this long is reported FAILED with a reason. */
    startingTimeoutSeconds: number;
    /** How often each WAHA server is checked (restarts, missed status changes). */
    checkIntervalSeconds: number;
    /** How long creating a device waits for WAHA's first QR before answering without one. */
    qrWaitMs: number;
  };
  workers: {
    /** Run BullMQ workers inside the API process. */
    inProcess: boolean;
    /** How long a job lock lasts before BullMQ treats the job as stalled (its worker died). */
    lockDurationMs: number;
  };
  messaging: {
    /** Sends per minute per device, shared by every worker process (WhatsApp bans bursts). */
    ratePerDevicePerMinute: number;
    /** Random extra gap between two sends of one device, 0..jitterMs. */
    jitterMs: number;
    sendAttempts: number;
    /** First retry delay; doubles per attempt, with jitter. */
    retryDelayMs: number;
    concurrency: number;
    /** Sends still queued/sending after this long are re-enqueued by the recovery sweep. */
    recoverAfterSeconds: number;
    /** How many chats and how many messages per chat a history sync pulls. */
    historyChats: number;
    historyMessagesPerChat: number;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEV_PLATFORM_PASSWORD = 'Platform-Dev-Only-2024';
const DEV_KEY_SECRET = 'development-only-key-secret-change-me-0123456789';

class EnvReader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(name, `must be true or false, got "${raw}"`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string {
    const value = this.string(name, fallback);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, 'must be a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    }
    return value;
  }
}

function withCredentials(url: string, user: string, password: string | null): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password ? encodeURIComponent(password) : '';
  return parsed.toString();
}

function parseWahaServers(
  read: EnvReader,
  emulatorPort: number,
): { servers: AppConfig['waha']['servers']; emulator: boolean } {
  const list = read.raw('WAHA_SERVERS');
  if (list) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(list);
    } catch {
      throw new ConfigError('WAHA_SERVERS', 'must be a JSON array of {"url","apiKey","capacity?"}');
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
      throw new ConfigError('WAHA_SERVERS', 'must be a non-empty JSON array');
    }
    const servers = parsed.map((entry: unknown, index) => {
      const item = (entry ?? {}) as Record<string, unknown>;
      const url = item.url;
      const apiKey = item.apiKey ?? '';
      const capacity = item.capacity ?? null;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
        throw new ConfigError('WAHA_SERVERS', `entry ${index} needs an http(s) "url"`);
      }
      if (typeof apiKey !== 'string')
        throw new ConfigError('WAHA_SERVERS', `entry ${index} "apiKey" must be a string`);
      if (
        capacity !== null &&
        (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1)
      ) {
        throw new ConfigError('WAHA_SERVERS', `entry ${index} "capacity" must be a positive integer`);
      }
      return { url: url.replace(/\/+$/, ''), apiKey, capacity: capacity as number | null };
    });
    return { servers, emulator: false };
  }
  const url = read.raw('WAHA_URL');
  if (url) {
    read.url('WAHA_URL', undefined, ['http:', 'https:']);
    return {
      servers: [{ url: url.replace(/\/+$/, ''), apiKey: read.string('WAHA_API_KEY', ''), capacity: null }],
      emulator: false,
    };
  }
  return {
    servers: [
      {
        url: `http://127.0.0.1:${emulatorPort}`,
        apiKey: read.string('WAHA_API_KEY', 'emulator-dev-key'),
        capacity: null,
      },
    ],
    emulator: true,
  };
}

/**
 * Reads and validates the environment. Throws a `ConfigError` naming the first bad variable, so the process
 * stops at boot instead of failing on the first request that needs the value.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const mode = read.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const production = mode === 'production';

  const port = read.int('PORT', 3000, 0, 65535);
  const publicBaseUrl = read
    .url('PUBLIC_BASE_URL', `http://localhost:${port}`, ['http:', 'https:'])
    .replace(/\/+$/, '');

  const ownerUrl = read.url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/whatsapp', [
    'postgres:',
    'postgresql:',
  ]);
  const appUser = read.string('DATABASE_APP_USER', 'whatsapp_app');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appUser)) {
    throw new ConfigError('DATABASE_APP_USER', 'must be a lower-case PostgreSQL identifier');
  }
  const appPassword = read.raw('DATABASE_APP_PASSWORD') ?? null;
  if (production && !appPassword && !read.raw('DATABASE_APP_URL')) {
    throw new ConfigError('DATABASE_APP_PASSWORD', 'is required in production');
  }
  const appUrl = read.raw('DATABASE_APP_URL')
    ? read.url('DATABASE_APP_URL', undefined, ['postgres:', 'postgresql:'])
    : withCredentials(ownerUrl, appUser, appPassword);

  // Development gets printed defaults; every other environment must bring its own secrets.
  const strict = mode !== 'development';
  const adminPassword = read.raw('PLATFORM_ADMIN_PASSWORD');
  if (strict && !adminPassword)
    throw new ConfigError('PLATFORM_ADMIN_PASSWORD', `is required when NODE_ENV=${mode}`);

  const keySecret = read.raw('AUTH_KEY_SECRET');
  if (strict && !keySecret) throw new ConfigError('AUTH_KEY_SECRET', `is required when NODE_ENV=${mode}`);
  if (keySecret && keySecret.length < 32)
    throw new ConfigError('AUTH_KEY_SECRET', 'must be at least 32 characters');

  const authMode = read.oneOf('AUTH_MODE', ['local', 'auth0'] as const, 'local');
  let auth0: AppConfig['auth']['auth0'] = null;
  let issuer: string;
  if (authMode === 'auth0') {
    const domain = read.string('AUTH0_DOMAIN');
    auth0 = {
      domain: domain.replace(/\/+$/, ''),
      clientId: read.string('AUTH0_CLIENT_ID'),
      clientSecret: read.string('AUTH0_CLIENT_SECRET'),
      realm: read.string('AUTH0_REALM', 'Username-Password-Authentication'),
    };
    const base = /^https?:\/\//.test(auth0.domain) ? auth0.domain : `https://${auth0.domain}`;
    issuer = read.string('AUTH_ISSUER', `${base}/`);
  } else {
    issuer = read.string('AUTH_ISSUER', `${publicBaseUrl}/`);
  }
  const algorithms = read
    .string('AUTH_ALGORITHMS', 'RS256')
    .split(',')
    .map((a) => a.trim());
  for (const alg of algorithms) {
    if (alg !== 'RS256' && alg !== 'ES256')
      throw new ConfigError('AUTH_ALGORITHMS', `allows only RS256 and ES256, got "${alg}"`);
  }

  const emulatorPort = read.int('WAHA_EMULATOR_PORT', 3100, 1, 65535);
  const waha = parseWahaServers(read, emulatorPort);

  const corsOrigins = read
    .string('CORS_ORIGINS', production ? '' : 'http://localhost:5173,http://127.0.0.1:5173')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);

  return {
    env: mode,
    http: {
      host: read.string('HOST', '0.0.0.0'),
      port,
      publicBaseUrl,
      corsOrigins,
      bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 50 * 1024 * 1024),
      trustProxy: read.bool('TRUST_PROXY', false),
      swaggerEnabled: read.bool('SWAGGER_ENABLED', true),
    },
    database: {
      ownerUrl,
      appUrl,
      appUser,
      appPassword,
      poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
      migrateOnStart: read.bool('DATABASE_MIGRATE_ON_START', !production),
    },
    redis: {
      url: read.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
      keyPrefix: read.string('REDIS_KEY_PREFIX', 'wa:'),
    },
    platformAdmin: {
      username: read.string('PLATFORM_ADMIN_USERNAME', 'platform'),
      password: adminPassword ?? DEV_PLATFORM_PASSWORD,
      isDevelopmentDefault: !adminPassword,
    },
    auth: {
      mode: authMode,
      issuer,
      audience: read.string('AUTH_AUDIENCE', 'whatsapp-api'),
      jwksUri: read.string('AUTH_JWKS_URI', `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`),
      algorithms: algorithms as ('RS256' | 'ES256')[],
      claimNamespace: read.string('AUTH_CLAIM_NAMESPACE', ''),
      accessTokenTtlSeconds: read.int('AUTH_ACCESS_TOKEN_TTL', 900, 60, 3600),
      refreshIdleTtlSeconds: read.int('AUTH_REFRESH_IDLE_TTL', 7 * 24 * 3600, 300, 90 * 24 * 3600),
      refreshAbsoluteTtlSeconds: read.int('AUTH_REFRESH_ABSOLUTE_TTL', 30 * 24 * 3600, 300, 365 * 24 * 3600),
      keySecret: keySecret ?? DEV_KEY_SECRET,
      auth0,
    },
    rateLimit: {
      windowSeconds: read.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
      perUser: read.int('RATE_LIMIT_PER_USER', 600, 1, 1_000_000),
      perIp: read.int('RATE_LIMIT_PER_IP', 300, 1, 1_000_000),
      loginPerIp: read.int('LOGIN_RATE_LIMIT_PER_IP', 30, 1, 1_000_000),
      loginPerUsername: read.int('LOGIN_RATE_LIMIT_PER_USERNAME', 10, 1, 1_000_000),
      loginWindowSeconds: read.int('LOGIN_RATE_LIMIT_WINDOW_SECONDS', 900, 1, 86_400),
    },
    log: {
      level: read.oneOf(
        'LOG_LEVEL',
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
        'info',
      ),
    },
    waha: {
      servers: waha.servers,
      emulator: waha.emulator,
      emulatorPort,
      webhookUrl: read.url('WAHA_WEBHOOK_URL', `http://127.0.0.1:${port}/webhooks/waha`, ['http:', 'https:']),
      requestTimeoutMs: read.int('WAHA_TIMEOUT_MS', 10_000, 100, 120_000),
      webhookMaxAgeSeconds: read.int('WAHA_WEBHOOK_MAX_AGE_SECONDS', 900, 10, 7 * 86_400),
      startingTimeoutSeconds: read.int('WAHA_STARTING_TIMEOUT_SECONDS', 90, 1, 3600),
      checkIntervalSeconds: read.int('WAHA_CHECK_INTERVAL_SECONDS', 30, 1, 3600),
      qrWaitMs: read.int('WAHA_QR_WAIT_MS', 5000, 0, 60_000),
    },
    workers: {
      inProcess: read.bool('WORKERS_IN_PROCESS', true),
      lockDurationMs: read.int('QUEUE_LOCK_DURATION_MS', 30_000, 1000, 600_000),
    },
    messaging: {
      ratePerDevicePerMinute: read.int('MESSAGE_RATE_PER_DEVICE_PER_MINUTE', 20, 1, 60_000),
      jitterMs: read.int('MESSAGE_JITTER_MS', 2000, 0, 600_000),
      sendAttempts: read.int('MESSAGE_SEND_ATTEMPTS', 8, 1, 50),
      retryDelayMs: read.int('MESSAGE_RETRY_DELAY_MS', 2000, 10, 600_000),
      concurrency: read.int('MESSAGE_WORKER_CONCURRENCY', 5, 1, 100),
      recoverAfterSeconds: read.int('MESSAGE_RECOVER_AFTER_SECONDS', 30, 1, 86_400),
      historyChats: read.int('HISTORY_SYNC_CHATS', 20, 0, 1000),
      historyMessagesPerChat: read.int('HISTORY_SYNC_MESSAGES', 50, 1, 1000),
    },
  };
}
