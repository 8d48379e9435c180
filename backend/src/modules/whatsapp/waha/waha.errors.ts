import {
  BadGatewayException,
  ConflictException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { SessionStatus } from './waha.types';

/**
 * WAHA failures as HTTP errors the API can return unchanged. `retryable` tells queue workers whether trying
 * again later can help (outages, timeouts, 5xx) or not (WAHA refused the request).
 */
export interface WahaFailure {
  readonly retryable: boolean;
}

/** WAHA unreachable, timed out, or answered 5xx. */
export class WahaUnavailableException extends ServiceUnavailableException implements WahaFailure {
  readonly retryable = true;
  constructor(detail: string) {
    super(`WhatsApp engine (WAHA) is unavailable: ${detail}`);
  }
}

/** WAHA answered 5xx: it is up but failing; worth retrying later. */
export class WahaServerErrorException extends BadGatewayException implements WahaFailure {
  readonly retryable = true;
  constructor(readonly wahaStatus: number) {
    super(`WhatsApp engine (WAHA) failed with HTTP ${wahaStatus}`);
  }
}

/** WAHA's 422 "session status is not as expected". */
export class WahaSessionStateException extends ConflictException implements WahaFailure {
  readonly retryable = false;
  constructor(
    readonly sessionStatus: SessionStatus | null,
    readonly expected: SessionStatus[],
  ) {
    super(
      sessionStatus
        ? `The WhatsApp session is ${sessionStatus}; this needs ${expected.join(' or ') || 'another state'}`
        : 'The WhatsApp session is not in the state this needs',
    );
  }
}

export class WahaNotFoundException extends NotFoundException implements WahaFailure {
  readonly retryable = false;
  constructor(what: string) {
    super(`${what} not found on the WhatsApp engine`);
  }
}

/** WAHA refused the request (4xx other than 404/422): retrying the same request will not help. */
export class WahaRejectedException extends BadGatewayException implements WahaFailure {
  readonly retryable = false;
  constructor(
    readonly wahaStatus: number,
    readonly wahaMessage: string,
  ) {
    super(`WhatsApp engine (WAHA) rejected the request (${wahaStatus}): ${wahaMessage}`);
  }
}

export function isRetryableWahaError(error: unknown): boolean {
  return (error as Partial<WahaFailure> | null)?.retryable === true;
}

/** WAHA refused this request itself (4xx other than a session-state 422): sending it again cannot succeed. */
export function isPermanentWahaError(error: unknown): boolean {
  return error instanceof WahaRejectedException || error instanceof WahaNotFoundException;
}
