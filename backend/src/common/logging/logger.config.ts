import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config';

/**
 * Values that must never reach a log line, wherever they appear in a logged object. Request and response
 * bodies are not logged at all; headers are not logged either (they carry tokens and keys).
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'hmacKey',
  '*.hmacKey',
  'authorization',
  '*.authorization',
  'headers',
  '*.headers',
];

export function loggerParams(config: AppConfig): Params {
  return {
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.log.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage) => String((req as IncomingMessage & { id?: unknown }).id ?? ''),
      customProps: () => ({ service: 'whatsapp-api' }),
      serializers: {
        // Path only: query strings can hold search terms such as phone numbers.
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
      quietReqLogger: true,
    },
  };
}
