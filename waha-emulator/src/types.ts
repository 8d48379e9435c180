// Wire shapes shared by the routes, the session state machine and the webhook sender.
// Field names follow WAHA 2025.11.3 (GOWS engine) exactly; see shared/waha/CONTRACT.md.

export type Tier = 'PLUS' | 'CORE';

export type SessionStatus = 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED';

export type RetryPolicy = 'constant' | 'linear' | 'exponential';

export interface WebhookConfig {
  url: string;
  events: string[];
  hmac?: { key: string } | null;
  retries?: { delaySeconds?: number; attempts?: number; policy?: RetryPolicy } | null;
  customHeaders?: Array<{ name: string; value: string }> | null;
}

export interface SessionConfig {
  webhooks?: WebhookConfig[];
  metadata?: Record<string, string>;
  proxy?: Record<string, unknown>;
  debug?: boolean;
  ignore?: { status?: boolean; groups?: boolean; channels?: boolean; broadcast?: boolean };
  noweb?: Record<string, unknown>;
  webjs?: Record<string, unknown>;
  gows?: Record<string, unknown>;
  client?: Record<string, unknown>;
}

export interface MeInfo {
  id: string;
  pushName: string;
  lid: string;
  jid: string;
}

export interface StatusPoint {
  status: SessionStatus;
  timestamp: number;
}

export interface SessionInfo {
  name: string;
  status: SessionStatus;
  config: SessionConfig | null;
  me: MeInfo | null;
  presence: string | null;
  timestamps: { activity: number | null };
}

export interface SessionDetailedInfo extends SessionInfo {
  engine: { engine: string };
}

export type AckName = 'ERROR' | 'PENDING' | 'SERVER' | 'DEVICE' | 'READ' | 'PLAYED';

export const ACK_NAMES: Record<number, AckName> = {
  [-1]: 'ERROR',
  0: 'PENDING',
  1: 'SERVER',
  2: 'DEVICE',
  3: 'READ',
  4: 'PLAYED',
};

export interface ReplyTo {
  id: string;
  participant: string | null;
  body: string | null;
  _data: Record<string, unknown>;
}

export interface WAMessage {
  id: string;
  timestamp: number;
  from: string;
  fromMe: boolean;
  source: 'api' | 'app';
  to: string | null;
  participant: string | null;
  body: string | null;
  hasMedia: boolean;
  media: null;
  ack: number;
  ackName: AckName;
  location: null;
  vCards: string[];
  replyTo: ReplyTo | null;
  _data: Record<string, unknown>;
}

export interface WAMessageAckBody {
  id: string;
  from: string;
  to: string | null;
  participant: string | null;
  fromMe: boolean;
  ack: number;
  ackName: AckName;
}

export interface EnvironmentInfo {
  version: string;
  engine: string;
  tier: Tier;
  browser: null;
}

export interface WebhookEnvelope {
  id: string;
  timestamp: number;
  event: string;
  session: string;
  metadata?: Record<string, string>;
  me: MeInfo | null;
  payload: unknown;
  engine: string;
  environment: EnvironmentInfo;
}

export interface SentRecord {
  session: string;
  chatId: string;
  text: string;
  id: string;
  at: string;
}
