import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HTTPMethods,
} from 'fastify';
import { Emulator } from './emulator';
import { HttpError, internalErrorBody, nestBody, nestError, unauthorized } from './errors';
import type { FaultCategory } from './faults';
import { loggerOptions } from './logging';
import { resolveOptions, type EmulatorOptions } from './options';
import { registerAuthRoutes } from './routes/auth';
import { registerChatsRoutes } from './routes/chats';
import { registerChattingRoutes } from './routes/chatting';
import { registerContactsRoutes } from './routes/contacts';
import { registerControlRoutes } from './routes/control';
import { registerGroupsRoutes } from './routes/groups';
import { registerServerRoutes } from './routes/server';
import { registerSessionsRoutes } from './routes/sessions';

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface RouteMeta {
  /** Protected by the API key (WAHA protects `/api`, `/health`; the emulator adds `/emulator`). */
  auth: boolean;
  /** Fault-injection target of this route. */
  fault?: FaultCategory;
}

export type RouteHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply> | FastifyReply;

export interface RouteContext {
  emulator: Emulator;
  route(method: HTTPMethods, url: string, meta: RouteMeta, handler: RouteHandler): void;
}

// WAHA accepts base64 media in JSON bodies, so its body limit is generous.
const BODY_LIMIT = 64 * 1024 * 1024;

const PROTECTED_PREFIXES = ['/api', '/health', '/emulator'];

/** For unmatched URLs: would WAHA's auth middleware (mounted on these prefixes) run first? */
function isProtectedPath(url: string): boolean {
  let path = url.split('?', 1)[0];
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path
  }
  path = path.toLowerCase().replace(/\/{2,}/g, '/');
  return PROTECTED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Drops `__proto__` keys, the one thing plain JSON.parse lets through that could bite. */
function safeJsonReviver(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

function installBodyParsers(app: FastifyInstance): void {
  // Like Express' body-parser: an empty JSON body is `{}`, a bad one a Nest-style 400.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text, safeJsonReviver));
    } catch (error) {
      done(nestError(400, error instanceof Error ? error.message : 'Invalid JSON'), undefined);
    }
  });
  // Other content types are not parsed at all (the handlers then see an empty body).
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.on('end', () => done(null, undefined));
    payload.on('error', (error) => done(error, undefined));
    payload.resume();
  });
}

/** Builds the emulator app without listening (use `inject`, or `listen` yourself). */
export function buildEmulator(opts: EmulatorOptions = {}): FastifyInstance {
  const options = resolveOptions(opts);
  const app = Fastify({
    logger: options.logger ? loggerOptions() : false,
    bodyLimit: BODY_LIMIT,
    // Hung requests (fault injection) must not block close().
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1000 },
  });
  const emulator = new Emulator(options, app.log);
  const metas = new Map<string, RouteMeta>();
  const metaOf = (request: FastifyRequest): RouteMeta | undefined => {
    const url = request.routeOptions.url;
    if (url === undefined) {
      return undefined;
    }
    return metas.get(`${request.method} ${url}`) ?? metas.get(`GET ${url}`);
  };

  installBodyParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    const meta = metaOf(request);
    if (!(meta ? meta.auth : isProtectedPath(request.url))) {
      return;
    }
    const header = request.headers['x-api-key'];
    const query = request.query as Record<string, unknown> | undefined;
    const fromQuery = query?.['x-api-key'];
    const provided =
      typeof header === 'string' ? header : typeof fromQuery === 'string' ? fromQuery : undefined;
    if (!emulator.checkApiKey(provided)) {
      const error = unauthorized();
      return reply.code(error.statusCode).send(error.body);
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    const fault = metaOf(request)?.fault;
    if (!fault) {
      return;
    }
    const decision = emulator.faults.takeRequestFault(fault);
    if (decision.latencyMs > 0) {
      await emulator.scheduler.sleep(decision.latencyMs);
    }
    if (decision.action === 'hang') {
      request.log.info({ fault }, 'request hung by fault injection');
      return new Promise<never>(() => {
        emulator.registerHang(() => request.raw.socket?.destroy());
      });
    }
    if (decision.action === 'fail') {
      const message = 'Emulated failure (fault injection)';
      return reply
        .code(decision.status)
        .send(
          decision.status >= 500
            ? internalErrorBody(message, decision.status)
            : nestBody(decision.status, message),
        );
    }
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof HttpError) {
      reply.code(error.statusCode);
      return error.body === undefined ? reply.send() : reply.send(error.body);
    }
    const err = error instanceof Error ? error : new Error(String(error));
    const statusCode = (err as Error & { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return reply.code(statusCode).send(nestBody(statusCode, err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(internalErrorBody(err.message));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(nestBody(404, `Cannot ${request.method} ${request.url.split('?', 1)[0]}`)),
  );

  const context: RouteContext = {
    emulator,
    route(method, url, meta, handler) {
      metas.set(`${method} ${url}`, meta);
      app.route({ method, url, handler });
    },
  };
  registerServerRoutes(context);
  registerSessionsRoutes(context);
  registerAuthRoutes(context);
  registerChattingRoutes(context);
  registerContactsRoutes(context);
  registerGroupsRoutes(context);
  registerChatsRoutes(context);
  registerControlRoutes(context);

  app.addHook('preClose', async () => {
    emulator.close();
  });
  return app;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') {
    return '127.0.0.1';
  }
  if (host === '::') {
    return '[::1]';
  }
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts listening on an app from buildEmulator(). */
export async function listenEmulator(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<RunningEmulator> {
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${urlHost(host)}:${actualPort}`,
    port: actualPort,
    close: async () => {
      await app.close();
    },
  };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const options = resolveOptions(opts);
  return listenEmulator(buildEmulator(opts), options.host, options.port);
}
