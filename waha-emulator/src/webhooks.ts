import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { FastifyBaseLogger } from 'fastify';
import type { Faults } from './faults';
import { ulid } from './ids';
import type { Scheduler, TimerGroup } from './scheduler';
import type { RetryPolicy, WebhookConfig, WebhookEnvelope } from './types';

// Defaults of WAHA's WebhookSender (axios-retry): 15 retries, 2 s apart, "constant" policy.
export const DEFAULT_RETRY_ATTEMPTS = 15;
export const DEFAULT_RETRY_DELAY_SECONDS = 2;
// WAHA sets no timeout at all; a hung receiver would pile up requests forever, so we cap each POST.
export const REQUEST_TIMEOUT_MS = 10_000;
export const HMAC_ALGORITHM = 'sha512';

/** `"*"` subscribes to everything except these two noisy engine-level events. */
const WILDCARD_EXCLUDED = new Set(['state.change', 'engine.event']);

/** Hex HMAC-SHA512 of the exact body bytes, as sent in `X-Webhook-Hmac`. */
export function webhookHmac(key: string, body: string | Buffer): string {
  return createHmac(HMAC_ALGORITHM, key).update(body).digest('hex');
}

export function isSubscribed(hook: WebhookConfig, event: string): boolean {
  return hook.events.includes(event) || (hook.events.includes('*') && !WILDCARD_EXCLUDED.has(event));
}

/** Same semantics as axios-retry's `retryAfter`: seconds or an HTTP date, as a lower bound in ms. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number {
  if (!header) {
    return 0;
  }
  let ms = (Number(header) || 0) * 1000;
  if (ms === 0) {
    ms = (Date.parse(header) || 0) - now;
  }
  return Math.max(0, ms);
}

/** Delay before retry number `retryNumber` (1-based), mirroring WAHA's policies. */
export function retryDelayMs(
  policy: RetryPolicy | undefined,
  delayMs: number,
  retryNumber: number,
  retryAfterMs: number,
): number {
  if (!delayMs) {
    return Math.max(0, retryAfterMs);
  }
  switch (policy) {
    case 'linear':
      return Math.max(retryNumber * delayMs, retryAfterMs);
    case 'exponential': {
      const delay = Math.max(2 ** retryNumber * delayMs, retryAfterMs);
      return delay + delay * 0.2 * Math.random();
    }
    default:
      return Math.max(delayMs, retryAfterMs);
  }
}

interface AttemptResult {
  ok: boolean;
  status?: number;
  retryAfterMs: number;
  error?: string;
}

export interface WebhookDispatcherDeps {
  scheduler: Scheduler;
  faults: Faults;
  logger: FastifyBaseLogger;
  userAgent: () => string;
}

/** Logged form of a receiver URL: no query string (it may carry tokens). */
function loggableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/**
 * Fire-and-forget delivery of webhook envelopes, like WAHA: one POST per subscribed hook, retried
 * on network errors and on every non-2xx answer; nothing is persisted, no ordering guarantee.
 */
export class WebhookDispatcher {
  private readonly inflight = new Set<http.ClientRequest>();
  private readonly agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  private readonly retries: TimerGroup;
  // Bumped by abortAll(): attempts that finish afterwards must not schedule new retries.
  private generation = 0;
  private closed = false;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.retries = deps.scheduler.group();
  }

  dispatch(hooks: WebhookConfig[], envelope: WebhookEnvelope): void {
    if (this.closed) {
      return;
    }
    const subscribed = hooks.filter((hook) => isSubscribed(hook, envelope.event));
    if (subscribed.length === 0) {
      return;
    }
    const body = JSON.stringify(envelope);
    for (const hook of subscribed) {
      this.deliver(hook, envelope, body);
    }
  }

  private deliver(hook: WebhookConfig, envelope: WebhookEnvelope, body: string): void {
    const log = { event: envelope.event, eventId: envelope.id, url: loggableUrl(hook.url) };
    if (this.deps.faults.takeWebhookDrop()) {
      this.deps.logger.info(log, 'webhook dropped by fault injection');
      return;
    }
    const requestId = ulid();
    const headers = this.buildHeaders(hook, body, requestId, String(Date.now()));
    const attempts = hook.retries?.attempts ?? DEFAULT_RETRY_ATTEMPTS;
    const delayMs = (hook.retries?.delaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS) * 1000;
    const policy = hook.retries?.policy;
    const generation = this.generation;

    const attempt = (retryNumber: number): void => {
      const send = (): void => {
        void this.post(hook.url, headers, body).then((result) => {
          if (result.ok) {
            this.deps.logger.info(
              { ...log, requestId, status: result.status, attempt: retryNumber + 1 },
              'webhook delivered',
            );
            return;
          }
          if (this.closed || generation !== this.generation) {
            return;
          }
          const details = { ...log, requestId, status: result.status, error: result.error };
          if (retryNumber >= attempts) {
            this.deps.logger.warn(
              { ...details, attempts: retryNumber + 1 },
              'webhook delivery failed, giving up',
            );
            return;
          }
          const delay = retryDelayMs(policy, delayMs, retryNumber + 1, result.retryAfterMs);
          this.deps.logger.warn(
            { ...details, retry: retryNumber + 1, delayMs: delay },
            'webhook delivery failed, retrying',
          );
          this.retries.after(delay, () => attempt(retryNumber + 1));
        });
      };
      const latency = this.deps.faults.webhookLatencyMs;
      if (latency > 0) {
        this.retries.after(latency, send);
      } else {
        send();
      }
    };
    attempt(0);
  }

  private buildHeaders(
    hook: WebhookConfig,
    body: string,
    requestId: string,
    timestamp: string,
  ): Record<string, string> {
    // Same precedence as WAHA's axios instance: custom headers may replace the defaults but
    // never the per-delivery X-Webhook-* headers.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'User-Agent': `WAHA/${this.deps.userAgent()}`,
    };
    for (const header of hook.customHeaders ?? []) {
      headers[header.name] = header.value;
    }
    headers['X-Webhook-Request-Id'] = requestId;
    headers['X-Webhook-Timestamp'] = timestamp;
    if (hook.hmac?.key) {
      headers['X-Webhook-Hmac'] = webhookHmac(hook.hmac.key, body);
      headers['X-Webhook-Hmac-Algorithm'] = HMAC_ALGORITHM;
    }
    return headers;
  }

  private post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    if (this.deps.faults.takeWebhookFailure()) {
      return Promise.resolve({ ok: false, retryAfterMs: 0, error: 'failure injected by fault' });
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult): void => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      let request: http.ClientRequest;
      try {
        const target = new URL(url);
        const isHttps = target.protocol === 'https:';
        const transport = isHttps ? https : http;
        request = transport.request(target, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: isHttps ? this.agents.https : this.agents.http,
        });
      } catch (error) {
        finish({ ok: false, retryAfterMs: 0, error: error instanceof Error ? error.message : String(error) });
        return;
      }
      this.inflight.add(request);
      request.setTimeout(REQUEST_TIMEOUT_MS, () => {
        request.destroy(new Error(`timeout of ${REQUEST_TIMEOUT_MS}ms exceeded`));
      });
      request.on('response', (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        const retryAfter = response.headers['retry-after'];
        finish({
          ok: status >= 200 && status < 300,
          status,
          retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
          error: status >= 200 && status < 300 ? undefined : `Request failed with status code ${status}`,
        });
      });
      request.on('error', (error) => finish({ ok: false, retryAfterMs: 0, error: error.message }));
      request.on('close', () => {
        this.inflight.delete(request);
        finish({ ok: false, retryAfterMs: 0, error: 'connection closed' });
      });
      request.end(body);
    });
  }

  /** Drops every in-flight delivery and pending retry (a WAHA restart loses them too). */
  abortAll(): void {
    this.generation += 1;
    this.retries.clear();
    for (const request of this.inflight) {
      request.destroy();
    }
    this.inflight.clear();
  }

  close(): void {
    this.closed = true;
    this.abortAll();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
