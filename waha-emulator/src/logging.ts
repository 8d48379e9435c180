// Log hygiene: never log the API key, HMAC keys or full phone numbers.

import type { FastifyServerOptions } from 'fastify';

/** Keeps the last 4 digits of any run of 7+ digits (phone numbers, lids in ids and URLs). */
export function maskPhone(value: string): string {
  return value.replace(/\d{7,}/g, (digits) => `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`);
}

/** Request URL for logs: query values dropped (they may carry `x-api-key`), digits masked. */
export function loggableRequestUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  const keys = query
    ? query
        .split('&')
        .map((pair) => pair.split('=')[0])
        .filter((key) => key !== '')
    : [];
  return maskPhone(path) + (keys.length ? `?${keys.map((key) => `${key}=…`).join('&')}` : '');
}

interface LoggedRequest {
  method: string;
  url: string;
}

interface LoggedReply {
  statusCode: number;
}

export function loggerOptions(): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: 'info',
    serializers: {
      req: (request: LoggedRequest) => ({ method: request.method, url: loggableRequestUrl(request.url) }),
      res: (reply: LoggedReply) => ({ statusCode: reply.statusCode }),
    },
  };
}
