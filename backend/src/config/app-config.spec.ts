import { ConfigError, loadConfig } from './app-config';

type Env = Record<string, string | undefined>;

/** Secrets every non-development environment must bring. */
const PRODUCTION: Env = {
  NODE_ENV: 'production',
  PLATFORM_ADMIN_PASSWORD: 'Prod-Operator-Password-1',
  AUTH_KEY_SECRET: 'p'.repeat(40),
  DATABASE_APP_PASSWORD: 'app-db-password',
};

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}, but the configuration loaded`);
}

describe('loadConfig', () => {
  describe('defaults (development, empty environment)', () => {
    const config = loadConfig({});

    it('serves HTTP on port 3000 of every interface', () => {
      expect(config.env).toBe('development');
      expect(config.http).toMatchObject({
        host: '0.0.0.0',
        port: 3000,
        publicBaseUrl: 'http://localhost:3000',
        corsOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
        bodyLimitBytes: 1024 * 1024,
        trustProxy: false,
      });
    });

    it('connects to the local database, the runtime role separate from the owner', () => {
      expect(config.database).toEqual({
        ownerUrl: 'postgres://postgres@127.0.0.1:5432/whatsapp',
        appUrl: 'postgres://whatsapp_app@127.0.0.1:5432/whatsapp',
        appUser: 'whatsapp_app',
        appPassword: null,
        poolSize: 10,
        migrateOnStart: true,
      });
      expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'wa:' });
    });

    it('is its own issuer with RS256 and the documented token lifetimes', () => {
      expect(config.auth).toMatchObject({
        mode: 'local',
        issuer: 'http://localhost:3000/',
        audience: 'whatsapp-api',
        jwksUri: 'http://localhost:3000/.well-known/jwks.json',
        algorithms: ['RS256'],
        claimNamespace: '',
        accessTokenTtlSeconds: 900,
        refreshIdleTtlSeconds: 7 * 24 * 3600,
        refreshAbsoluteTtlSeconds: 30 * 24 * 3600,
        auth0: null,
      });
      expect(config.auth.keySecret.length).toBeGreaterThanOrEqual(32);
    });

    it('marks the printed platform password as the development default', () => {
      expect(config.platformAdmin).toMatchObject({ username: 'platform', isDevelopmentDefault: true });
    });

    it('starts the bundled WAHA emulator', () => {
      expect(config.waha).toMatchObject({
        emulator: true,
        emulatorPort: 3100,
        servers: [{ url: 'http://127.0.0.1:3100', apiKey: 'emulator-dev-key', capacity: null }],
        webhookUrl: 'http://127.0.0.1:3000/webhooks/waha',
      });
    });
  });

  it('derives issuer, JWKS and webhook URLs from PORT and PUBLIC_BASE_URL', () => {
    const config = loadConfig({ PORT: '8080', PUBLIC_BASE_URL: 'https://api.example.com//' });
    expect(config.http.publicBaseUrl).toBe('https://api.example.com');
    expect(config.auth.issuer).toBe('https://api.example.com/');
    expect(config.auth.jwksUri).toBe('https://api.example.com/.well-known/jwks.json');
    expect(config.waha.webhookUrl).toBe('http://127.0.0.1:8080/webhooks/waha');
  });

  it('accepts a complete production environment and keeps its secrets', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.env).toBe('production');
    expect(config.platformAdmin).toMatchObject({
      password: PRODUCTION.PLATFORM_ADMIN_PASSWORD,
      isDevelopmentDefault: false,
    });
    expect(config.auth.keySecret).toBe(PRODUCTION.AUTH_KEY_SECRET);
    expect(config.database.appUrl).toBe('postgres://whatsapp_app:app-db-password@127.0.0.1:5432/whatsapp');
    expect(config.database.migrateOnStart).toBe(false);
    expect(config.http.corsOrigins).toEqual([]);
  });

  it('parses WAHA_SERVERS', () => {
    const config = loadConfig({
      WAHA_SERVERS: '[{"url":"http://waha-1:3000/","apiKey":"k1","capacity":50},{"url":"https://waha-2"}]',
    });
    expect(config.waha.emulator).toBe(false);
    expect(config.waha.servers).toEqual([
      { url: 'http://waha-1:3000', apiKey: 'k1', capacity: 50 },
      { url: 'https://waha-2', apiKey: '', capacity: null },
    ]);
  });

  describe('refuses a malformed variable with a ConfigError naming it', () => {
    it.each<[string, Env, RegExp | null]>([
      ['PORT', { PORT: 'abc' }, /integer/],
      ['PORT', { PORT: '70000' }, /between 0 and 65535/],
      ['PORT', { PORT: '-1' }, null],
      ['PORT', { PORT: '80.5' }, null],
      ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /postgres/],
      ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /valid URL/],
      ['DATABASE_APP_USER', { DATABASE_APP_USER: 'app; DROP ROLE postgres' }, null],
      ['AUTH_ALGORITHMS', { AUTH_ALGORITHMS: 'HS256' }, /HS256/],
      ['AUTH_ALGORITHMS', { AUTH_ALGORITHMS: 'RS256,none' }, /none/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"url":' }, /JSON/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[]' }, /non-empty/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '{"url":"http://waha"}' }, /non-empty JSON array/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"apiKey":"k"}]' }, /entry 0 needs an http\(s\) "url"/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"url":"file:///etc/passwd"}]' }, /url/],
      [
        'WAHA_SERVERS',
        { WAHA_SERVERS: '[{"url":"http://a"},{"url":"http://b","capacity":0}]' },
        /entry 1 "capacity"/,
      ],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"url":"http://a","capacity":2.5}]' }, /capacity/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"url":"http://a","capacity":"10"}]' }, /capacity/],
      ['WAHA_SERVERS', { WAHA_SERVERS: '[{"url":"http://a","apiKey":42}]' }, /apiKey/],
      ['AUTH_ACCESS_TOKEN_TTL', { AUTH_ACCESS_TOKEN_TTL: '7200' }, /between 60 and 3600/],
      ['AUTH_ACCESS_TOKEN_TTL', { AUTH_ACCESS_TOKEN_TTL: '10' }, null],
      ['AUTH_KEY_SECRET', { AUTH_KEY_SECRET: 'too-short' }, /32/],
      ['NODE_ENV', { NODE_ENV: 'staging' }, null],
      ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }, null],
      ['TRUST_PROXY', { TRUST_PROXY: 'maybe' }, null],
      ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, null],
      ['AUTH0_DOMAIN', { AUTH_MODE: 'auth0' }, /required/],
    ])('%s (%j)', (variable, env, problem) => {
      const error = configError(env);
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
      if (problem) expect(error.message).toMatch(problem);
    });
  });

  describe('in production, requires each secret', () => {
    it.each(['PLATFORM_ADMIN_PASSWORD', 'AUTH_KEY_SECRET', 'DATABASE_APP_PASSWORD'])('%s', (variable) => {
      const missing = configError({ ...PRODUCTION, [variable]: undefined });
      expect(missing.variable).toBe(variable);
      expect(missing.message).toMatch(new RegExp(`${variable} is required`));
      // Blank counts as missing.
      expect(configError({ ...PRODUCTION, [variable]: '   ' }).variable).toBe(variable);
    });

    it('accepts DATABASE_APP_URL instead of DATABASE_APP_PASSWORD', () => {
      const config = loadConfig({
        ...PRODUCTION,
        DATABASE_APP_PASSWORD: undefined,
        DATABASE_APP_URL: 'postgres://svc:secret@db:5432/whatsapp',
      });
      expect(config.database.appUrl).toBe('postgres://svc:secret@db:5432/whatsapp');
    });

    it('requires the same secrets when NODE_ENV=test', () => {
      expect(configError({ ...PRODUCTION, NODE_ENV: 'test', AUTH_KEY_SECRET: undefined }).variable).toBe(
        'AUTH_KEY_SECRET',
      );
    });
  });
});
