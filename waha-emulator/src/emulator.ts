// The emulated WAHA server state: sessions, paired accounts, webhooks, faults and timers.
// Routes translate HTTP into calls on this class; everything observable goes through it.

import type { FastifyBaseLogger } from 'fastify';
import { createAccount, directoryOf, meInfo, seedHistory, type Account } from './account';
import { createApiKeyCheck } from './auth';
import type { Directory } from './directory';
import {
  notFound,
  onlyDefaultSession,
  sessionDoesNotExist,
  sessionNameRequired,
  sessionNotRunning,
  sessionStatusError,
  unprocessable,
} from './errors';
import { Faults } from './faults';
import { prefixedId, randomPhoneNumber } from './ids';
import { maskPhone } from './logging';
import { RUNTIME_NUMERIC_OPTIONS, type ResolvedOptions } from './options';
import { Scheduler } from './scheduler';
import { Session } from './session';
import type {
  EnvironmentInfo,
  MeInfo,
  SentRecord,
  SessionConfig,
  SessionDetailedInfo,
  SessionInfo,
  SessionStatus,
  WebhookConfig,
  WebhookEnvelope,
} from './types';
import { isRecord } from './validation';
import { WebhookDispatcher } from './webhooks';

export const DEFAULT_SESSION = 'default';

export interface WorkingSession {
  session: Session;
  account: Account;
  me: MeInfo;
}

export class Emulator {
  options: ResolvedOptions;
  readonly scheduler: Scheduler;
  readonly faults = new Faults();
  readonly webhooks: WebhookDispatcher;
  readonly sessions = new Map<string, Session>();
  sent: SentRecord[] = [];
  startedAt = Date.now();
  readonly checkApiKey: (provided: string | undefined) => boolean;
  private readonly initialOptions: ResolvedOptions;
  private readonly hangs = new Set<() => void>();

  constructor(
    options: ResolvedOptions,
    readonly logger: FastifyBaseLogger,
  ) {
    this.initialOptions = { ...options };
    this.options = { ...options };
    this.checkApiKey = createApiKeyCheck(options.apiKey);
    this.scheduler = new Scheduler((error) => logger.error({ err: error }, 'emulator timer failed'));
    this.webhooks = new WebhookDispatcher({
      scheduler: this.scheduler,
      faults: this.faults,
      logger,
      userAgent: () => this.options.version,
    });
    this.boot();
  }

  get isCore(): boolean {
    return this.options.tier === 'CORE';
  }

  environment(): EnvironmentInfo {
    return {
      version: this.options.version,
      engine: this.options.engine,
      tier: this.options.tier,
      browser: null,
    };
  }

  /** Core boots with the `default` session existing but STOPPED (config in memory only). */
  private boot(): void {
    if (this.isCore) {
      this.sessions.set(DEFAULT_SESSION, this.newSession(DEFAULT_SESSION, null));
    }
  }

  private newSession(name: string, config: SessionConfig | null): Session {
    return new Session(name, config, this.scheduler, {
      options: () => this.options,
      onStatus: (session) => this.onStatus(session),
    });
  }

  private onStatus(session: Session): void {
    this.logger.info(
      { session: session.name, status: session.status, qr: session.qr?.index },
      'session status',
    );
    this.emit(session, 'session.status', {
      name: session.name,
      status: session.status,
      statuses: session.statuses,
    });
  }

  // ---------------------------------------------------------------- events

  webhooksOf(session: Session): WebhookConfig[] {
    const hooks = [...(session.config?.webhooks ?? [])];
    if (this.options.globalWebhook) {
      hooks.push(this.options.globalWebhook);
    }
    return hooks;
  }

  emit(session: Session, event: string, payload: unknown): WebhookEnvelope {
    const envelope: WebhookEnvelope = {
      id: prefixedId('evt'),
      timestamp: Date.now(),
      event,
      session: session.name,
      metadata: session.config?.metadata,
      me: session.me(),
      payload,
      engine: this.options.engine,
      environment: this.environment(),
    };
    this.webhooks.dispatch(this.webhooksOf(session), envelope);
    return envelope;
  }

  // ---------------------------------------------------------------- session lookup (WAHA's pipes)

  /** Core accepts only `default`, anywhere a session name is used. */
  checkName(name: string): void {
    if (this.isCore && name !== DEFAULT_SESSION) {
      throw onlyDefaultSession(name);
    }
  }

  find(name: string): Session | undefined {
    this.checkName(name);
    return this.sessions.get(name);
  }

  /** WAHA's plain SessionPipe: the session must be running (any status). */
  requireRunning(name: string): Session {
    const session = this.find(name);
    if (!session || !session.running) {
      throw sessionNotRunning(name);
    }
    return session;
  }

  /**
   * WAHA's status pipes (WorkingSessionPipe, QRCodeSessionPipe). WAHA waits up to ~15 s for the
   * expected status before failing; the emulator answers immediately.
   */
  requireStatus(name: unknown, expected: SessionStatus[]): Session {
    if (typeof name !== 'string' || name === '') {
      throw sessionNameRequired();
    }
    const session = this.find(name);
    if (!session) {
      throw sessionDoesNotExist(name);
    }
    if (!expected.includes(session.status)) {
      throw sessionStatusError(name, session.status, expected);
    }
    return session;
  }

  requireWorking(name: unknown): WorkingSession {
    const session = this.requireStatus(name, ['WORKING']);
    const account = session.account;
    if (!account) {
      throw sessionStatusError(session.name, session.status, ['WORKING']);
    }
    return { session, account, me: meInfo(account) };
  }

  directory(account: Account): Directory {
    return directoryOf(account, this.options.contacts, this.options.groups);
  }

  // ---------------------------------------------------------------- sessions API

  detailed(session: Session): SessionDetailedInfo {
    return { ...session.info(), engine: { engine: this.options.engine } };
  }

  list(all: boolean): SessionInfo[] {
    return [...this.sessions.values()].filter((s) => all || s.running).map((s) => s.info());
  }

  create(name: string, config: SessionConfig | null, start: boolean): Session {
    this.checkName(name);
    if (this.sessions.has(name)) {
      throw unprocessable(`Session '${name}' already exists. Use PUT to update it.`);
    }
    const session = this.newSession(name, config);
    this.sessions.set(name, session);
    if (start) {
      session.start();
    }
    return session;
  }

  update(name: string, config: SessionConfig | null): Session {
    const session = this.find(name);
    if (!session) {
      throw notFound('Session not found');
    }
    const wasRunning = session.running;
    session.stop();
    session.config = config;
    if (wasRunning) {
      session.start();
    }
    return session;
  }

  /** Unpair + stop + logout + delete; idempotent. */
  remove(name: string): void {
    const session = this.find(name);
    if (!session) {
      return;
    }
    session.logout();
    session.stop();
    this.sessions.delete(name);
  }

  start(name: string): Session {
    const session = this.find(name);
    if (!session) {
      throw notFound('Session not found');
    }
    if (session.running) {
      if (this.isCore) {
        throw unprocessable(`Session '${DEFAULT_SESSION}' is already started.`);
      }
      return session;
    }
    session.start();
    return session;
  }

  stop(name: string): Session | undefined {
    const session = this.find(name);
    session?.stop();
    return session;
  }

  restart(name: string): Session {
    const session = this.find(name);
    if (!session) {
      throw notFound('Session not found');
    }
    session.stop();
    session.start();
    return session;
  }

  logout(name: string): Session {
    const session = this.find(name);
    if (!session) {
      throw notFound('Session not found');
    }
    const wasRunning = session.running;
    session.stop();
    session.logout();
    if (wasRunning) {
      session.start();
    }
    return session;
  }

  // ---------------------------------------------------------------- pairing

  /** Pairs the session currently showing QR `qr` (or that requested pairing code `code`). */
  pair(
    match: { qr?: string; code?: string },
    phoneInput: string | null,
  ): { session: string; phoneNumber: string; me: MeInfo } {
    const session = [...this.sessions.values()].find(
      (s) =>
        s.status === 'SCAN_QR_CODE' &&
        ((match.qr !== undefined && s.qr?.value === match.qr) ||
          (match.code !== undefined && s.pairingCode?.code === match.code)),
    );
    if (!session) {
      throw notFound(
        match.qr !== undefined
          ? 'No session is showing this QR code'
          : 'No session is waiting for this pairing code',
      );
    }
    const phone = phoneInput ?? session.pairingCode?.phone ?? this.unusedPhoneNumber();
    const account = createAccount(phone);
    seedHistory(account, this.directory(account));
    session.pair(account);
    this.logger.info({ session: session.name, phone: maskPhone(phone) }, 'session paired');
    return { session: session.name, phoneNumber: phone, me: meInfo(account) };
  }

  private unusedPhoneNumber(): string {
    for (;;) {
      const phone = randomPhoneNumber();
      if (!this.sessionsByPhone(phone).length) {
        return phone;
      }
    }
  }

  sessionsByPhone(phone: string): Session[] {
    return [...this.sessions.values()].filter((s) => s.account?.phone === phone);
  }

  // ---------------------------------------------------------------- control API

  /** Force FAILED (e.g. device unlinked from the phone). */
  failSession(name: string): Session {
    const session = this.sessions.get(name);
    if (!session) {
      throw notFound('Session not found');
    }
    session.fail();
    return session;
  }

  /**
   * A WAHA container restart: in-flight webhooks are lost and every session stops without
   * events. Core forgets session config (memory only) but keeps device auth; Plus keeps config
   * and restarts the sessions that were running (straight to WORKING when paired).
   */
  restartContainer(): SessionInfo[] {
    this.webhooks.abortAll();
    this.releaseHangs();
    const wasRunning = new Set<Session>();
    for (const session of this.sessions.values()) {
      if (session.running) {
        wasRunning.add(session);
      }
      session.halt();
    }
    this.startedAt = Date.now();
    if (this.isCore) {
      const previous = this.sessions.get(DEFAULT_SESSION);
      const session = this.newSession(DEFAULT_SESSION, null);
      session.account = previous?.account ?? null;
      this.sessions.clear();
      this.sessions.set(DEFAULT_SESSION, session);
    } else {
      for (const session of wasRunning) {
        session.start();
      }
    }
    return this.list(true);
  }

  /** Back to the boot state: no sessions (Core: `default` STOPPED), no faults, initial options. */
  reset(): void {
    // Session timers stop with their sessions and pending acks check the session state, so the
    // scheduler itself is left alone: requests sleeping on a latency fault still get answered.
    this.webhooks.abortAll();
    this.releaseHangs();
    for (const session of this.sessions.values()) {
      session.halt();
    }
    this.sessions.clear();
    this.sent = [];
    this.faults.clear();
    this.options = { ...this.initialOptions };
    this.startedAt = Date.now();
    this.boot();
  }

  /** Changes timing/size options at runtime; returns validation messages. */
  updateConfig(input: unknown): string[] {
    if (!isRecord(input)) {
      return ['config must be an object'];
    }
    const errors: string[] = [];
    const next = { ...this.options };
    for (const key of RUNTIME_NUMERIC_OPTIONS) {
      const value = input[key];
      if (value === undefined) {
        continue;
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (key === 'qrMax' ? 1 : 0)) {
        errors.push(`${key} must be a non-negative integer${key === 'qrMax' ? ' (at least 1)' : ''}`);
      } else {
        next[key] = value;
      }
    }
    for (const key of ['version', 'engine'] as const) {
      const value = input[key];
      if (value !== undefined) {
        if (typeof value !== 'string' || value === '') {
          errors.push(`${key} must be a non-empty string`);
        } else {
          next[key] = value;
        }
      }
    }
    if (errors.length === 0) {
      this.options = next;
    }
    return errors;
  }

  publicConfig(): Record<string, unknown> {
    const o = this.options;
    return {
      tier: o.tier,
      version: o.version,
      engine: o.engine,
      qrFirstMs: o.qrFirstMs,
      qrNextMs: o.qrNextMs,
      qrMax: o.qrMax,
      startingDelayMs: o.startingDelayMs,
      ackDelayMs: o.ackDelayMs,
      contacts: o.contacts,
      groups: o.groups,
      auth: o.apiKey !== null,
      globalWebhook: o.globalWebhook !== null,
    };
  }

  // ---------------------------------------------------------------- hung requests

  /** Keeps a request unanswered until release (close/reset destroys its connection). */
  registerHang(release: () => void): void {
    this.hangs.add(release);
  }

  private releaseHangs(): void {
    for (const release of this.hangs) {
      try {
        release();
      } catch (error) {
        this.logger.warn({ err: error }, 'failed to release a hung request');
      }
    }
    this.hangs.clear();
  }

  close(): void {
    this.releaseHangs();
    this.scheduler.close();
    this.webhooks.close();
  }
}
