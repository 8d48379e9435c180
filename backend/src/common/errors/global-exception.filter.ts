import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedException } from './app.exception';
import { toErrorBody } from './error-mapping';

/** The one place an error becomes an HTTP response: same shape everywhere, a request id, never a stack. */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, expose } = toErrorBody(exception, String(request.id));
    if (!expose) {
      this.logger.error(
        { err: exception, requestId: request.id, route: request.routeOptions?.url },
        'Unhandled error',
      );
    }
    if (exception instanceof RateLimitedException) {
      reply.header('retry-after', String(Math.max(1, exception.retryAfterSeconds)));
    } else if (body.statusCode === 429 && !reply.getHeader('retry-after')) {
      reply.header('retry-after', '60');
    }
    void reply.status(body.statusCode).send(body);
  }
}
