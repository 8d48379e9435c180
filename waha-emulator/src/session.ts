// One WAHA session: the STOPPED → STARTING → SCAN_QR_CODE → WORKING (/ FAILED) state machine,
// QR rotation, and the paired account that survives restarts.

import { meInfo, type Account } from './account';
import { qrValue } from './ids';
import type { ResolvedOptions } from './options';
import type { Scheduler, TimerGroup } from './scheduler';
import type { MeInfo, SessionConfig, SessionInfo, SessionStatus, StatusPoint } from './types';

/** WAHA puts the last three status points in every session.status payload. */
const STATUS_POINTS_IN_PAYLOAD = 3;

export interface SessionHooks {
  options(): ResolvedOptions;
  /** Called after every transition and for every new QR (status SCAN_QR_CODE again). */
  onStatus(session: Session): void;
}

export interface QrState {
  value: string;
  /** 1-based number of this QR within the current pairing attempt. */
  index: number;
}

export class Session {
  status: SessionStatus = 'STOPPED';
  account: Account | null = null;
  qr: QrState | null = null;
  /** Phone number a pairing code was requested for (lets /emulator/scan pair by code). */
  pairingCode: { code: string; phone: string } | null = null;
  presence: string | null = null;
  activity: number | null = null;
  private readonly points: StatusPoint[] = [];
  private readonly timers: TimerGroup;

  constructor(
    readonly name: string,
    public config: SessionConfig | null,
    scheduler: Scheduler,
    private readonly hooks: SessionHooks,
  ) {
    this.timers = scheduler.group();
  }

  /** WAHA's "running": a session object exists, whatever its status (FAILED included). */
  get running(): boolean {
    return this.status !== 'STOPPED';
  }

  get statuses(): StatusPoint[] {
    return this.points.slice(-STATUS_POINTS_IN_PAYLOAD);
  }

  start(): void {
    this.reset();
    this.setStatus('STARTING');
    this.timers.after(this.hooks.options().startingDelayMs, () => {
      if (this.account) {
        this.setStatus('WORKING');
      } else {
        this.showQr(1);
      }
    });
  }

  stop(): void {
    this.reset();
    if (this.status !== 'STOPPED') {
      this.setStatus('STOPPED');
    }
  }

  /** A container restart: the process dies, so no STOPPED event is ever sent. */
  halt(): void {
    this.reset();
    this.status = 'STOPPED';
  }

  fail(): void {
    this.reset();
    this.setStatus('FAILED');
  }

  /** Moves to the next QR right away (or to FAILED after the last one). */
  expireQr(): boolean {
    if (this.status !== 'SCAN_QR_CODE' || !this.qr) {
      return false;
    }
    this.timers.clear();
    this.nextQr(this.qr.index);
    return true;
  }

  pair(account: Account): void {
    this.reset();
    this.account = account;
    this.setStatus('WORKING');
  }

  logout(): void {
    this.account = null;
  }

  touch(): void {
    this.activity = Date.now();
  }

  me(): MeInfo | null {
    return this.status === 'WORKING' && this.account ? meInfo(this.account) : null;
  }

  info(): SessionInfo {
    return {
      name: this.name,
      status: this.status,
      config: this.config,
      me: this.me(),
      presence: this.presence,
      timestamps: { activity: this.activity },
    };
  }

  private reset(): void {
    this.timers.clear();
    this.qr = null;
    this.pairingCode = null;
    this.presence = null;
  }

  private showQr(index: number): void {
    const { qrFirstMs, qrNextMs } = this.hooks.options();
    this.qr = { value: qrValue(), index };
    this.setStatus('SCAN_QR_CODE');
    this.timers.after(index === 1 ? qrFirstMs : qrNextMs, () => this.nextQr(index));
  }

  private nextQr(index: number): void {
    if (index < this.hooks.options().qrMax) {
      this.showQr(index + 1);
      return;
    }
    // WAHA ≥ 2025.3.2: "QR code has not been scanned yet, force stopping the session".
    this.reset();
    this.setStatus('FAILED');
  }

  private setStatus(status: SessionStatus): void {
    // WAHA drops consecutive duplicate WORKING events; repeated SCAN_QR_CODE means "new QR".
    if (status === 'WORKING' && this.status === 'WORKING') {
      return;
    }
    this.status = status;
    this.points.push({ status, timestamp: Date.now() });
    if (this.points.length > STATUS_POINTS_IN_PAYLOAD) {
      this.points.shift();
    }
    this.hooks.onStatus(this);
  }
}
