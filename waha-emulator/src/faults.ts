// Fault injection for tests: make WAHA fail, hang or slow down in controlled ways.

export const FAULT_CATEGORIES = [
  'sendText',
  'sessions',
  'qr',
  'directory',
  'chatting',
  'server',
  'all',
] as const;

export type FaultCategory = (typeof FAULT_CATEGORIES)[number];

export interface RequestFault {
  /** Answer the next n requests with `status`. */
  failNext: number;
  status: number;
  /** Never answer the next n requests (until the emulator closes), so clients time out. */
  hangNext: number;
  /** Delay every answer by this much. */
  latencyMs: number;
}

export interface WebhookFault {
  /** Silently skip the next n deliveries (no attempt, no retry). */
  dropNext: number;
  /** The next n delivery attempts fail like a network error (retries apply). */
  failNext: number;
  /** Delay every delivery attempt by this much. */
  latencyMs: number;
}

export interface AckFault {
  /** Emit READ, DEVICE, SERVER instead of SERVER, DEVICE, READ. */
  reverse: boolean;
  /** Emit no message.ack at all. */
  disabled: boolean;
}

export type RequestFaultDecision =
  | { action: 'pass'; latencyMs: number }
  | { action: 'hang'; latencyMs: number }
  | { action: 'fail'; latencyMs: number; status: number };

const EMPTY_REQUEST_FAULT: RequestFault = { failNext: 0, status: 500, hangNext: 0, latencyMs: 0 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCount(errors: string[], path: string, value: unknown): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    errors.push(`${path} must be a non-negative integer`);
    return undefined;
  }
  return value;
}

function readBool(errors: string[], path: string, value: unknown): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    errors.push(`${path} must be a boolean value`);
    return undefined;
  }
  return value;
}

export class Faults {
  private requests = new Map<FaultCategory, RequestFault>();
  private webhooks: WebhookFault = { dropNext: 0, failNext: 0, latencyMs: 0 };
  private acks: AckFault = { reverse: false, disabled: false };

  /** Merges a partial spec; returns validation messages (nothing is applied when there are any). */
  merge(input: unknown): string[] {
    const errors: string[] = [];
    if (!isRecord(input)) {
      return ['faults must be an object'];
    }
    const nextRequests = new Map(this.requests);
    for (const category of FAULT_CATEGORIES) {
      const spec = input[category];
      if (spec === undefined) {
        continue;
      }
      if (!isRecord(spec)) {
        errors.push(`${category} must be an object`);
        continue;
      }
      const current = nextRequests.get(category) ?? EMPTY_REQUEST_FAULT;
      const status = readCount(errors, `${category}.status`, spec.status);
      if (status !== undefined && (status < 100 || status > 599)) {
        errors.push(`${category}.status must be an HTTP status code`);
      }
      nextRequests.set(category, {
        failNext: readCount(errors, `${category}.failNext`, spec.failNext) ?? current.failNext,
        status: status ?? current.status,
        hangNext: readCount(errors, `${category}.hangNext`, spec.hangNext) ?? current.hangNext,
        latencyMs: readCount(errors, `${category}.latencyMs`, spec.latencyMs) ?? current.latencyMs,
      });
    }
    let nextWebhooks = this.webhooks;
    if (input.webhooks !== undefined) {
      if (isRecord(input.webhooks)) {
        const w = input.webhooks;
        nextWebhooks = {
          dropNext: readCount(errors, 'webhooks.dropNext', w.dropNext) ?? this.webhooks.dropNext,
          failNext: readCount(errors, 'webhooks.failNext', w.failNext) ?? this.webhooks.failNext,
          latencyMs: readCount(errors, 'webhooks.latencyMs', w.latencyMs) ?? this.webhooks.latencyMs,
        };
      } else {
        errors.push('webhooks must be an object');
      }
    }
    let nextAcks = this.acks;
    if (input.acks !== undefined) {
      if (isRecord(input.acks)) {
        nextAcks = {
          reverse: readBool(errors, 'acks.reverse', input.acks.reverse) ?? this.acks.reverse,
          disabled: readBool(errors, 'acks.disabled', input.acks.disabled) ?? this.acks.disabled,
        };
      } else {
        errors.push('acks must be an object');
      }
    }
    for (const key of Object.keys(input)) {
      if (!(FAULT_CATEGORIES as readonly string[]).includes(key) && key !== 'webhooks' && key !== 'acks') {
        errors.push(`unknown fault target '${key}'`);
      }
    }
    if (errors.length === 0) {
      this.requests = nextRequests;
      this.webhooks = nextWebhooks;
      this.acks = nextAcks;
    }
    return errors;
  }

  clear(): void {
    this.requests.clear();
    this.webhooks = { dropNext: 0, failNext: 0, latencyMs: 0 };
    this.acks = { reverse: false, disabled: false };
  }

  snapshot(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [category, fault] of this.requests) {
      result[category] = { ...fault };
    }
    result.webhooks = { ...this.webhooks };
    result.acks = { ...this.acks };
    return result;
  }

  /** Consumes one pending fault for a request of `category` (the `all` target applies first). */
  takeRequestFault(category: FaultCategory): RequestFaultDecision {
    const targets = [this.requests.get('all'), category === 'all' ? undefined : this.requests.get(category)];
    let latencyMs = 0;
    for (const fault of targets) {
      latencyMs = Math.max(latencyMs, fault?.latencyMs ?? 0);
    }
    for (const fault of targets) {
      if (fault && fault.hangNext > 0) {
        fault.hangNext -= 1;
        return { action: 'hang', latencyMs };
      }
    }
    for (const fault of targets) {
      if (fault && fault.failNext > 0) {
        fault.failNext -= 1;
        return { action: 'fail', latencyMs, status: fault.status };
      }
    }
    return { action: 'pass', latencyMs };
  }

  takeWebhookDrop(): boolean {
    if (this.webhooks.dropNext > 0) {
      this.webhooks.dropNext -= 1;
      return true;
    }
    return false;
  }

  takeWebhookFailure(): boolean {
    if (this.webhooks.failNext > 0) {
      this.webhooks.failNext -= 1;
      return true;
    }
    return false;
  }

  get webhookLatencyMs(): number {
    return this.webhooks.latencyMs;
  }

  get ackFault(): AckFault {
    return this.acks;
  }
}
