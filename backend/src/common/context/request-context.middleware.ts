import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from './request-context';

type RawRequest = IncomingMessage & { id?: unknown; ip?: string };

/** Puts the request id and client IP where the audit trail and logs can find them. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: RawRequest, _res: ServerResponse, next: () => void): void {
    RequestContext.run(
      { requestId: String(req.id ?? ''), ip: req.ip ?? req.socket?.remoteAddress ?? null },
      next,
    );
  }
}
