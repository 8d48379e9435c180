import type { Tier, WebhookConfig } from './types';

export interface EmulatorOptions {
  /** 0 = ephemeral port. */
  port?: number;
  host?: string;
  /** Plain key or `sha512:<hex>` like WAHA; null or '' disables auth. */
  apiKey?: string | null;
  tier?: Tier;
  version?: string;
  engine?: string;
  qrFirstMs?: number;
  qrNextMs?: number;
  qrMax?: number;
  /** Delay of STARTING -> SCAN_QR_CODE (or -> WORKING for a paired device). */
  startingDelayMs?: number;
  /** Spacing of the SERVER / DEVICE / READ acks after a send. */
  ackDelayMs?: number;
  /** Contacts per paired session. */
  contacts?: number;
  /** Groups per paired session. */
  groups?: number;
  logger?: boolean;
  /** Global webhook applied to every session, like WAHA's WHATSAPP_HOOK_* env vars. */
  globalWebhook?: WebhookConfig | null;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  apiKey: string | null;
  tier: Tier;
  version: string;
  engine: string;
  qrFirstMs: number;
  qrNextMs: number;
  qrMax: number;
  startingDelayMs: number;
  ackDelayMs: number;
  contacts: number;
  groups: number;
  logger: boolean;
  globalWebhook: WebhookConfig | null;
}

export const DEFAULT_OPTIONS: ResolvedOptions = {
  port: 3100,
  host: '127.0.0.1',
  apiKey: null,
  tier: 'PLUS',
  version: '2025.11.3',
  engine: 'GOWS',
  qrFirstMs: 60_000,
  qrNextMs: 20_000,
  qrMax: 6,
  startingDelayMs: 500,
  ackDelayMs: 1_000,
  contacts: 25,
  groups: 3,
  logger: true,
  globalWebhook: null,
};

/** Options that `POST /emulator/config` may change while the emulator runs. */
export const RUNTIME_NUMERIC_OPTIONS = [
  'qrFirstMs',
  'qrNextMs',
  'qrMax',
  'startingDelayMs',
  'ackDelayMs',
  'contacts',
  'groups',
] as const;

export function resolveOptions(opts: EmulatorOptions = {}): ResolvedOptions {
  const pick = <K extends keyof ResolvedOptions>(key: K): ResolvedOptions[K] => {
    const value = opts[key];
    return (value === undefined ? DEFAULT_OPTIONS[key] : value) as ResolvedOptions[K];
  };
  const tier = pick('tier');
  if (tier !== 'PLUS' && tier !== 'CORE') {
    throw new Error(`Invalid tier '${String(tier)}': expected PLUS or CORE`);
  }
  const resolved: ResolvedOptions = {
    port: pick('port'),
    host: pick('host'),
    apiKey: opts.apiKey ? opts.apiKey : null,
    tier,
    version: pick('version'),
    engine: pick('engine'),
    qrFirstMs: pick('qrFirstMs'),
    qrNextMs: pick('qrNextMs'),
    qrMax: pick('qrMax'),
    startingDelayMs: pick('startingDelayMs'),
    ackDelayMs: pick('ackDelayMs'),
    contacts: pick('contacts'),
    groups: pick('groups'),
    logger: pick('logger'),
    globalWebhook: opts.globalWebhook ?? null,
  };
  for (const key of RUNTIME_NUMERIC_OPTIONS) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`Invalid option ${key}: expected a non-negative integer`);
    }
  }
  if (resolved.qrMax < 1) {
    throw new Error('Invalid option qrMax: expected at least 1');
  }
  return resolved;
}
