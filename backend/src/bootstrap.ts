import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppModule } from './app.module';
import { setupSwagger } from './common/swagger/swagger';
import { RealtimeService } from './modules/realtime/realtime.service';
import { RedisIoAdapter } from './modules/realtime/redis-io.adapter';
import { AppConfig } from './config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Builds the API application (used by main.ts and by the tests, so both run the same stack): Fastify with a
 * body limit and request ids, security headers, CORS allow-list and Swagger. Errors Fastify raises before a
 * handler runs (body too large, malformed JSON) also reach GlobalExceptionFilter through Nest's adapter.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: (req: IncomingMessage) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    rawBody: true,
    bufferLogs: true,
    // Shutdown must not wait for keep-alive connections (WAHA's webhook clients, browsers): Nest then leaves the
    // shared HTTP server to the Fastify adapter, which closes it after the shutdown hooks and destroys the
    // connections still open, instead of Socket.IO closing it first and Node waiting out every keep-alive.
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI (served from /docs) needs inline bootstrap code; the API itself serves JSON only.
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.enableCors({
    origin: config.http.corsOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
  app.useWebSocketAdapter(new RedisIoAdapter(app, config, app.get(RealtimeService)));
  if (config.http.swaggerEnabled) setupSwagger(app, config);
  app.enableShutdownHooks();
  return app;
}
