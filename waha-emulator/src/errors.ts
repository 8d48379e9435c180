import { STATUS_CODES } from 'node:http';

export const DOCS_URL = 'https://waha.devlike.pro/';

/**
 * An HTTP answer with an exact body. WAHA is a NestJS app, so most bodies are Nest's
 * `{message, error, statusCode}`; some (session status errors) are plain objects.
 * `body === undefined` means an empty body, like Nest replying with `null`.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
  ) {
    super(
      typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : 'HttpError',
    );
  }
}

/** Body of a Nest `HttpException(message)`. */
export function nestBody(statusCode: number, message: string | string[]): Record<string, unknown> {
  return { message, error: STATUS_CODES[statusCode] ?? 'Error', statusCode };
}

export function nestError(statusCode: number, message: string | string[]): HttpError {
  return new HttpError(statusCode, nestBody(statusCode, message));
}

export const badRequest = (messages: string[]): HttpError => nestError(400, messages);
export const notFound = (message: string): HttpError => nestError(404, message);
export const unprocessable = (message: string): HttpError => nestError(422, message);
export const conflict = (message: string): HttpError => nestError(409, message);

/** Passport's rejection: no `error` field. */
export function unauthorized(): HttpError {
  return new HttpError(401, { message: 'Unauthorized', statusCode: 401 });
}

/** WAHA's catch-all filter for non-HTTP exceptions (engine/gRPC errors). */
export function internalErrorBody(message: string, statusCode = 500): Record<string, unknown> {
  return {
    statusCode,
    timestamp: new Date().toISOString(),
    exception: { message, name: 'Error' },
  };
}

export function internalError(message: string): HttpError {
  return new HttpError(500, internalErrorBody(message));
}

export const SESSION_STATUS_ERROR =
  'Session status is not as expected. Try again later or restart the session';

export function sessionStatusError(session: string, status: string, expected: string[]): HttpError {
  return new HttpError(422, { error: SESSION_STATUS_ERROR, session, status, expected });
}

export function sessionDoesNotExist(session: string): HttpError {
  return new HttpError(422, { error: `Session "${session}" does not exist`, session });
}

export function sessionNameRequired(): HttpError {
  return new HttpError(422, { error: 'Session name is required' });
}

/** SessionPipe (plain) on a session that is not running. */
export function sessionNotRunning(name: string): HttpError {
  return notFound(
    `We didn't find a session with name '${name}'.\n` +
      `Please start it first by using POST /api/sessions/${name}/start request`,
  );
}

export function onlyDefaultSession(name: string): HttpError {
  const encoded = Buffer.from(name, 'utf-8').toString('base64');
  return unprocessable(
    `WAHA Core support only 'default' session. You tried to access '${name}' session (base64: ${encoded}). ` +
      `If you want to run more then one WhatsApp account - please get WAHA PLUS version. Check this out: ${DOCS_URL}`,
  );
}

export function availableInPlusVersion(engine: string, feature = 'The feature'): HttpError {
  return unprocessable(
    `${feature} is available only in Plus version for '${engine}' engine. Check this out: ${DOCS_URL}`,
  );
}
