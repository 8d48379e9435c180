// Public API of the WAHA emulator. Importing this module has no side effects.

export { buildEmulator, listenEmulator, startEmulator } from './server';
export type { RunningEmulator } from './server';
export type { EmulatorOptions } from './options';
export { webhookHmac } from './webhooks';
export type {
  MeInfo,
  SentRecord,
  SessionConfig,
  SessionInfo,
  SessionStatus,
  Tier,
  WAMessage,
  WAMessageAckBody,
  WebhookConfig,
  WebhookEnvelope,
} from './types';
