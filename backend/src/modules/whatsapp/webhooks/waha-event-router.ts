import { Injectable } from '@nestjs/common';
import { WahaMe } from '../waha/waha.types';

/** A WAHA event whose signature, device and freshness were verified. */
export interface VerifiedWahaEvent {
  tenantId: string;
  deviceId: string;
  eventId: string;
  event: string;
  payload: unknown;
  /** WAHA's event time. */
  timestamp: Date;
  me: WahaMe | null;
  /** The queue will not deliver this event again: handlers waiting for related data must act now. */
  finalAttempt: boolean;
}

export type WahaEventHandler = (event: VerifiedWahaEvent) => Promise<void>;

/**
 * Where verified WAHA events go: each module registers the events it owns (devices: session.status; messaging:
 * messages and acks; directory: group changes). Handlers must be idempotent: delivery is at least once.
 */
@Injectable()
export class WahaEventRouter {
  private readonly handlers = new Map<string, WahaEventHandler[]>();

  on(event: string, handler: WahaEventHandler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  async dispatch(event: VerifiedWahaEvent): Promise<number> {
    const handlers = this.handlers.get(event.event) ?? [];
    for (const handler of handlers) await handler(event);
    return handlers.length;
  }
}
