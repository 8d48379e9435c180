// Request validation with class-validator style messages. WAHA's ValidationPipe runs with
// `whitelist: true`: unknown fields are dropped silently, known ones are type-checked.

import type { RetryPolicy, SessionConfig, WebhookConfig } from './types';

export const SESSION_NAME_MAX = 54;
const SESSION_NAME_RE = /^[a-zA-Z0-9_-]*$/;
const RETRY_POLICIES: RetryPolicy[] = ['constant', 'linear', 'exponential'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function optionalBool(errors: string[], path: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    errors.push(`${path} must be a boolean value`);
    return undefined;
  }
  return value;
}

function validateWebhook(errors: string[], path: string, input: unknown): WebhookConfig | null {
  if (!isRecord(input)) {
    errors.push(`${path} must be an object`);
    return null;
  }
  const before = errors.length;
  if (!isHttpUrl(input.url)) {
    errors.push(`${path}.url must be a URL address`);
  }
  if (!Array.isArray(input.events)) {
    errors.push(`${path}.events must be an array`);
  } else if (!input.events.every((event) => typeof event === 'string')) {
    errors.push(`${path}.each value in events must be a string`);
  }
  const hook: WebhookConfig = {
    url: String(input.url),
    events: Array.isArray(input.events) ? [...(input.events as string[])] : [],
  };
  if (input.hmac !== undefined && input.hmac !== null) {
    if (
      !isRecord(input.hmac) ||
      (input.hmac.key !== undefined && input.hmac.key !== null && typeof input.hmac.key !== 'string')
    ) {
      errors.push(`${path}.hmac.key must be a string`);
    } else {
      hook.hmac = { key: typeof input.hmac.key === 'string' ? input.hmac.key : '' };
    }
  }
  if (input.retries !== undefined && input.retries !== null) {
    if (!isRecord(input.retries)) {
      errors.push(`${path}.retries must be an object`);
    } else {
      const retries: NonNullable<WebhookConfig['retries']> = {};
      const { delaySeconds, attempts, policy } = input.retries;
      if (delaySeconds !== undefined && delaySeconds !== null) {
        if (typeof delaySeconds !== 'number' || delaySeconds < 0) {
          errors.push(`${path}.retries.delaySeconds must be a positive number`);
        } else {
          retries.delaySeconds = delaySeconds;
        }
      }
      if (attempts !== undefined && attempts !== null) {
        if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) {
          errors.push(`${path}.retries.attempts must be a positive number`);
        } else {
          retries.attempts = attempts;
        }
      }
      if (policy !== undefined && policy !== null) {
        if (!RETRY_POLICIES.includes(policy as RetryPolicy)) {
          errors.push(
            `${path}.retries.policy must be one of the following values: ${RETRY_POLICIES.join(', ')}`,
          );
        } else {
          retries.policy = policy as RetryPolicy;
        }
      }
      hook.retries = retries;
    }
  }
  if (input.customHeaders !== undefined && input.customHeaders !== null) {
    if (!Array.isArray(input.customHeaders)) {
      errors.push(`${path}.customHeaders must be an array`);
    } else {
      hook.customHeaders = [];
      input.customHeaders.forEach((header: unknown, index) => {
        const item = `${path}.customHeaders.${index}`;
        if (!isRecord(header) || typeof header.name !== 'string' || typeof header.value !== 'string') {
          errors.push(`${item}.name and ${item}.value must be strings`);
        } else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header.name) || /[\r\n]/.test(header.value)) {
          errors.push(`${item} must be a valid HTTP header`);
        } else {
          hook.customHeaders?.push({ name: header.name, value: header.value });
        }
      });
    }
  }
  return errors.length === before ? hook : null;
}

/** Validates and whitelists a SessionConfig; `path` prefixes messages like Nest's nested errors. */
export function validateSessionConfig(
  errors: string[],
  input: unknown,
  path = 'config',
): SessionConfig | null {
  if (input === undefined || input === null) {
    return null;
  }
  if (!isRecord(input)) {
    errors.push(`${path} must be an object`);
    return null;
  }
  const config: SessionConfig = {};
  if (input.webhooks !== undefined && input.webhooks !== null) {
    if (!Array.isArray(input.webhooks)) {
      errors.push(`${path}.webhooks must be an array`);
    } else {
      const hooks: WebhookConfig[] = [];
      input.webhooks.forEach((hook: unknown, index) => {
        const valid = validateWebhook(errors, `${path}.webhooks.${index}`, hook);
        if (valid) {
          hooks.push(valid);
        }
      });
      config.webhooks = hooks;
    }
  }
  if (input.metadata !== undefined && input.metadata !== null) {
    if (
      !isRecord(input.metadata) ||
      !Object.values(input.metadata).every((value) => typeof value === 'string')
    ) {
      errors.push(`${path}.metadata must be an object with string values`);
    } else {
      config.metadata = { ...(input.metadata as Record<string, string>) };
    }
  }
  const debug = optionalBool(errors, `${path}.debug`, input.debug);
  if (debug !== undefined) {
    config.debug = debug;
  }
  if (input.ignore !== undefined && input.ignore !== null) {
    if (!isRecord(input.ignore)) {
      errors.push(`${path}.ignore must be an object`);
    } else {
      const ignore: NonNullable<SessionConfig['ignore']> = {};
      for (const key of ['status', 'groups', 'channels', 'broadcast'] as const) {
        const value = optionalBool(errors, `${path}.ignore.${key}`, input.ignore[key]);
        if (value !== undefined) {
          ignore[key] = value;
        }
      }
      config.ignore = ignore;
    }
  }
  // Engine specific blocks are accepted as opaque objects (the emulated engine ignores them).
  for (const key of ['proxy', 'noweb', 'webjs', 'gows', 'client'] as const) {
    const value = input[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (!isRecord(value)) {
      errors.push(`${path}.${key} must be an object`);
    } else {
      config[key] = { ...value };
    }
  }
  return config;
}

export interface SessionCreateRequest {
  name?: string;
  start: boolean;
  config: SessionConfig | null;
}

export function validateSessionCreate(body: unknown): { value: SessionCreateRequest; errors: string[] } {
  const input = asRecord(body);
  const errors: string[] = [];
  let name: string | undefined;
  if (input.name !== undefined && input.name !== null) {
    if (typeof input.name !== 'string') {
      errors.push('name must be a string');
    } else {
      if (input.name.length > SESSION_NAME_MAX) {
        errors.push(`name must be shorter than or equal to ${SESSION_NAME_MAX} characters`);
      }
      if (!SESSION_NAME_RE.test(input.name)) {
        errors.push(
          'Session name can only contain alphanumeric characters, hyphens, and underscores (a-z, A-Z, 0-9, -, _) or be empty',
        );
      }
      name = input.name;
    }
  }
  const start = optionalBool(errors, 'start', input.start) ?? false;
  const config = validateSessionConfig(errors, input.config);
  return { value: { name, start, config }, errors };
}

/** Query helpers: WAHA's DTOs transform query strings into numbers and booleans. */
export function queryInt(errors: string[], name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const number = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < 0) {
    errors.push(`${name} must be a number conforming to the specified constraints`);
    return undefined;
  }
  return number;
}

export function queryBool(value: unknown): boolean | undefined {
  if (value === 'true' || value === '1') {
    return true;
  }
  if (value === 'false' || value === '0') {
    return false;
  }
  return undefined;
}

export function querySortOrder(errors: string[], name: string, value: unknown): 'asc' | 'desc' | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (value !== 'asc' && value !== 'desc') {
    errors.push(`${name} must be one of the following values: desc, asc`);
    return undefined;
  }
  return value;
}

export function queryString(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return queryString(value[0]);
  }
  return typeof value === 'string' ? value : undefined;
}
