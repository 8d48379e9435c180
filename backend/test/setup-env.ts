// Environment for every test file, before any module reads it. Tests use their own database and Redis prefix.
const defaults: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/whatsapp_test',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: 'test:',
  PLATFORM_ADMIN_USERNAME: 'operator',
  PLATFORM_ADMIN_PASSWORD: 'Operator-Test-Pass-1',
  AUTH_KEY_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  LOG_LEVEL: 'silent',
  LOGIN_RATE_LIMIT_PER_IP: '100000',
  LOGIN_RATE_LIMIT_PER_USERNAME: '1000',
  RATE_LIMIT_PER_IP: '100000',
  RATE_LIMIT_PER_USER: '100000',
  DATABASE_MIGRATE_ON_START: 'false',
  DATABASE_POOL_SIZE: '5',
  SWAGGER_ENABLED: 'true',
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_BASE_URL: 'http://localhost:3000',
};

for (const [key, value] of Object.entries(defaults)) {
  if (process.env[key] === undefined) process.env[key] = value;
}
