import { HttpException, HttpStatus } from '@nestjs/common';

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
  code?: string;
  requestId: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

interface ErrorLike {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
}

/** Socket errors and PostgreSQL "cannot serve you now" codes (class 08, shutdown, too many connections). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable/i;

/**
 * True when an error means a dependency (PostgreSQL, Redis, a JWKS endpoint) could not be reached, as opposed
 * to a fault in this code or bad input: such errors answer 503, never 500 and never 401.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  for (const candidate of [error, (error as ErrorLike | null)?.driverError]) {
    if (!candidate || typeof candidate !== 'object') continue;
    const { code, message } = candidate as ErrorLike;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  }
  return false;
}

/**
 * Turns anything thrown into the API's error body. Unknown errors become a bare 500: their message may carry
 * SQL, paths or secrets, so it only goes to the log.
 */
export function toErrorBody(error: unknown, requestId: string): { body: ErrorBody; expose: boolean } {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const payload: Record<string, unknown> =
      typeof response === 'string' ? { message: response } : { ...(response as Record<string, unknown>) };
    const message = payload.message;
    return {
      body: {
        statusCode: status,
        message:
          typeof message === 'string' || Array.isArray(message)
            ? (message as string | string[])
            : error.message,
        error: typeof payload.error === 'string' ? payload.error : reasonPhrase(status),
        ...(typeof payload.code === 'string' ? { code: payload.code } : {}),
        requestId,
      },
      expose: true,
    };
  }

  const like = (error ?? {}) as ErrorLike;
  // Fastify's own errors (body too large, malformed JSON, unsupported media type) carry a 4xx statusCode.
  if (typeof like.statusCode === 'number' && like.statusCode >= 400 && like.statusCode < 500) {
    const status = like.statusCode;
    const message =
      like.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body is too large'
        : like.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Unsupported content type; send application/json'
          : status === 400
            ? 'Malformed request body'
            : reasonPhrase(status);
    return { body: { statusCode: status, message, error: reasonPhrase(status), requestId }, expose: true };
  }

  // PostgreSQL errors that mean bad input rather than a server fault.
  const pgCode = typeof like.code === 'string' ? like.code : undefined;
  if (pgCode === '22P02' || pgCode === '22001' || pgCode === '22003') {
    return {
      body: { statusCode: 400, message: 'Invalid value', error: reasonPhrase(400), requestId },
      expose: true,
    };
  }
  if (pgCode === '23505') {
    return {
      body: { statusCode: 409, message: 'It already exists', error: reasonPhrase(409), requestId },
      expose: true,
    };
  }

  if (isDependencyUnavailable(error)) {
    return {
      body: {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'A dependency is temporarily unavailable; try again later',
        error: reasonPhrase(503),
        requestId,
      },
      expose: false,
    };
  }

  return {
    body: {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
      error: reasonPhrase(500),
      requestId,
    },
    expose: false,
  };
}
