/**
 * The parts of WAHA's HTTP contract the service uses (WAHA 2024.10+ session API; see shared/waha/CONTRACT.md).
 * Engine-specific bodies (contacts, groups, send results) are typed loosely and normalised by the callers.
 */

export type WahaTier = 'CORE' | 'PLUS';

export const SESSION_STATUSES = ['STOPPED', 'STARTING', 'SCAN_QR_CODE', 'WORKING', 'FAILED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface WahaVersion {
  version: string;
  engine: string;
  tier: string;
  browser: string | null;
}

export interface WahaServerStatus {
  startTimestamp: number;
  uptime: number;
  worker?: { id: string | null };
}

export interface WahaWebhookConfig {
  url: string;
  events: string[];
  hmac?: { key: string };
  retries?: { delaySeconds: number; attempts: number; policy: 'constant' | 'linear' | 'exponential' };
  customHeaders?: { name: string; value: string }[];
}

export interface WahaSessionConfig {
  webhooks?: WahaWebhookConfig[];
  metadata?: Record<string, string>;
  noweb?: { store: { enabled: boolean; fullSync: boolean } };
}

export interface WahaMe {
  id: string;
  pushName?: string | null;
  lid?: string | null;
  jid?: string | null;
}

export interface WahaSessionInfo {
  name: string;
  status: SessionStatus;
  config?: WahaSessionConfig | null;
  me?: WahaMe | null;
}

/** Body of WAHA's 422 when a session is not in the state an endpoint needs. */
export interface WahaStatusErrorBody {
  error: string;
  session?: string;
  status?: SessionStatus;
  expected?: SessionStatus[];
}

export interface WahaWebhookEnvelope {
  id?: string;
  timestamp?: number;
  event: string;
  session: string;
  metadata?: Record<string, string> | null;
  me?: WahaMe | null;
  payload: unknown;
  engine?: string;
}

export interface SessionStatusPayload {
  name: string;
  status: SessionStatus;
  statuses?: { status: SessionStatus; timestamp: number }[];
}

/** WAHA's normalised message (history and webhooks). `timestamp` is in unix seconds. */
export interface WahaMessage {
  id: string;
  timestamp: number;
  from: string;
  fromMe: boolean;
  source?: 'api' | 'app';
  to?: string | null;
  participant?: string | null;
  body?: string | null;
  hasMedia?: boolean;
  ack?: number;
  ackName?: string;
  _data?: unknown;
}

export interface WahaAckPayload {
  id: string;
  from?: string;
  to?: string;
  participant?: string | null;
  fromMe?: boolean;
  ack: number;
  ackName?: string;
}

export interface WahaContact {
  id: string;
  name?: string | null;
  pushname?: string | null;
  number?: string | null;
}

export interface WahaGroupParticipantV2 {
  id: string;
  pn?: string | null;
  role: 'left' | 'participant' | 'admin' | 'superadmin';
}

export interface WahaLid {
  lid: string;
  pn: string | null;
}

export interface WahaChatOverview {
  id: string;
  name?: string | null;
  lastMessage?: WahaMessage | null;
}

/** `session.status` payload as received (unvalidated). */
export type SessionPayloadLike = { status?: unknown } | null | undefined;
