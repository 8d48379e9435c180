import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis, { Command } from 'ioredis';
import { Server } from 'socket.io';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { closeRedis } from '../../common/redis/close-redis';
import { socketServerOptions } from './redis-io.adapter';

/** A PUBLISH that Redis does not answer in this time is given up (the update is dropped, not queued). */
const PUBLISH_TIMEOUT_MS = 1000;

/**
 * The publishing client of the Socket.IO Redis adapter. The adapter neither awaits nor catches its PUBLISH
 * promises, so while Redis is down or hung each emit would leave an unhandled rejection behind. Here every command
 * is handled where it is sent: a live update that cannot be published is dropped, as it would be anyway.
 */
class FireAndForgetRedis extends Redis {
  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const result = super.sendCommand(command, stream);
    command.promise.catch(() => undefined);
    return result;
  }
}

/**
 * Emits to rooms. In the API process it uses the gateway's server (local sockets + Redis to other instances);
 * in a worker process, which has no HTTP server, a detached server whose Redis adapter forwards every emit to
 * the API instances. Live updates are best effort: while Redis is unavailable they are dropped (never queued
 * without bound, never an unhandled failure); clients re-read what they show when they reconnect.
 */
@Injectable()
export class RealtimeService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeService.name);
  private server: Server | null = null;
  private detached: Server | null = null;
  private clients: { pub: Redis; sub: Redis } | null = null;
  private adapter: ReturnType<typeof createAdapter> | null = null;
  private closing = false;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** The Socket.IO Redis adapter of this process (pub/sub clients connect in the background). */
  redisAdapter(): ReturnType<typeof createAdapter> {
    if (!this.adapter) {
      const pub = new FireAndForgetRedis(this.config.redis.url, {
        connectionName: 'socket.io-pub',
        enableOfflineQueue: false,
        commandTimeout: PUBLISH_TIMEOUT_MS,
      });
      const sub = new Redis(this.config.redis.url, { connectionName: 'socket.io-sub' });
      pub.on('error', () => undefined);
      sub.on('error', () => undefined);
      this.clients = { pub, sub };
      // The adapter names its channels itself (no key prefix); the prefix keeps test apps apart.
      this.adapter = createAdapter(pub, sub, { key: `${this.config.redis.keyPrefix}socket.io` });
    }
    return this.adapter;
  }

  attach(server: Server): void {
    this.server = server;
  }

  async emit(room: string, event: string, payload: unknown): Promise<void> {
    if (this.closing) return;
    try {
      const server = this.server ?? this.detachedServer();
      if (this.clients?.pub.status !== 'ready') return;
      server.to(room).emit(event, payload);
    } catch (error) {
      this.logger.warn({ event, err: (error as Error).message }, 'Could not emit a live update');
    }
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  async onApplicationShutdown(): Promise<void> {
    // The detached server was never attached (it has no engine to close; Server.close() would throw): closing its
    // Redis clients below is all it needs.
    this.detached = null;
    if (!this.clients) return;
    const { pub, sub } = this.clients;
    await Promise.all([closeRedis(pub), closeRedis(sub)]);
  }

  private detachedServer(): Server {
    if (!this.detached) {
      this.detached = new Server(socketServerOptions(this.config));
      this.detached.adapter(this.redisAdapter());
    }
    return this.detached;
  }
}
