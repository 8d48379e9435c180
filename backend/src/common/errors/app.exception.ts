import { HttpException, HttpStatus } from '@nestjs/common';

/** An HTTP error with a stable `code` clients can branch on. */
export class AppException extends HttpException {
  constructor(status: HttpStatus, code: string, message: string) {
    super(
      {
        statusCode: status,
        message,
        error: HttpStatus[status] ? titleCase(HttpStatus[status]) : 'Error',
        code,
      },
      status,
    );
  }
}

function titleCase(constant: string): string {
  return constant
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** 429 with the number of seconds to put in Retry-After. */
export class RateLimitedException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; try again later',
  ) {
    super({ statusCode: 429, message, error: 'Too Many Requests' }, 429);
  }
}
