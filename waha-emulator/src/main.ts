// Standalone entry point: `node dist/main.js`. Reads the environment, listens, closes on signals.

import { buildEmulator, listenEmulator } from './server';
import { resolveOptions, type EmulatorOptions } from './options';
import type { RetryPolicy, Tier, WebhookConfig } from './types';

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer`);
  }
  return value;
}

/** WAHA's global webhook from WHATSAPP_HOOK_* (applied to every session, next to its own hooks). */
function globalWebhookFromEnv(): WebhookConfig | null {
  const url = process.env.WHATSAPP_HOOK_URL;
  if (!url) {
    return null;
  }
  const events = (process.env.WHATSAPP_HOOK_EVENTS ?? '*')
    .split(',')
    .map((event) => event.trim())
    .filter(Boolean);
  const hook: WebhookConfig = { url, events };
  if (process.env.WHATSAPP_HOOK_HMAC_KEY) {
    hook.hmac = { key: process.env.WHATSAPP_HOOK_HMAC_KEY };
  }
  const policy = process.env.WHATSAPP_HOOK_RETRIES_POLICY;
  const delaySeconds = intFromEnv('WHATSAPP_HOOK_RETRIES_DELAY_SECONDS');
  const attempts = intFromEnv('WHATSAPP_HOOK_RETRIES_ATTEMPTS');
  if (policy || delaySeconds !== undefined || attempts !== undefined) {
    hook.retries = {
      policy: policy ? (policy as RetryPolicy) : undefined,
      delaySeconds,
      attempts,
    };
  }
  const headers = process.env.WHATSAPP_HOOK_CUSTOM_HEADERS;
  if (headers) {
    hook.customHeaders = headers
      .split(';')
      .map((pair) => pair.split(':'))
      .filter((parts) => parts.length >= 2 && parts[0].trim() !== '')
      .map(([name, ...value]) => ({ name: name.trim(), value: value.join(':').trim() }));
  }
  return hook;
}

function optionsFromEnv(): EmulatorOptions {
  const env = process.env;
  return {
    port: intFromEnv('WAHA_EMULATOR_PORT') ?? 3100,
    host: env.WAHA_EMULATOR_HOST || '127.0.0.1',
    // Like WAHA, WHATSAPP_API_KEY is an alias that wins over WAHA_API_KEY.
    apiKey: env.WHATSAPP_API_KEY || env.WAHA_API_KEY || null,
    tier: (env.WAHA_EMULATOR_TIER || 'PLUS').toUpperCase() as Tier,
    version: env.WAHA_EMULATOR_VERSION || undefined,
    engine: env.WAHA_EMULATOR_ENGINE || undefined,
    qrFirstMs: intFromEnv('WAHA_EMULATOR_QR_FIRST_MS'),
    qrNextMs: intFromEnv('WAHA_EMULATOR_QR_NEXT_MS'),
    qrMax: intFromEnv('WAHA_EMULATOR_QR_MAX'),
    startingDelayMs: intFromEnv('WAHA_EMULATOR_STARTING_MS'),
    ackDelayMs: intFromEnv('WAHA_EMULATOR_ACK_DELAY_MS'),
    contacts: intFromEnv('WAHA_EMULATOR_CONTACTS'),
    groups: intFromEnv('WAHA_EMULATOR_GROUPS'),
    logger: true,
    globalWebhook: globalWebhookFromEnv(),
  };
}

async function main(): Promise<void> {
  const opts = optionsFromEnv();
  const options = resolveOptions(opts);
  const app = buildEmulator(opts);
  if (!options.apiKey) {
    app.log.warn('WAHA_API_KEY is not set: the emulator API is open to anyone who can reach it');
  }
  const running = await listenEmulator(app, options.host, options.port);
  app.log.info(
    { url: running.url, tier: options.tier, engine: options.engine, version: options.version },
    'WAHA emulator listening',
  );

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({ level: 'fatal', msg: error instanceof Error ? error.message : String(error) }),
  );
  process.exit(1);
});
