import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../../config/app-config';

/** Socket.IO options shared by the HTTP-attached server and the worker's detached one. */
export function socketServerOptions(config: AppConfig): Partial<ServerOptions> {
  return {
    cors: { origin: config.http.corsOrigins, credentials: false },
    // Clients join rooms only after the token check; the handshake may not carry anything else of value.
    maxHttpBufferSize: 64 * 1024,
  };
}

/**
 * Pub/sub clients for the Redis adapter (no key prefix: the adapter names its channels itself). They connect
 * in the background: a Redis outage at boot delays live updates but does not stop the API.
 */
export function redisAdapterFor(config: AppConfig): {
  adapter: ReturnType<typeof createAdapter>;
  close: () => Promise<void>;
} {
  const pub = new Redis(config.redis.url, { connectionName: 'socket.io-pub' });
  const sub = pub.duplicate({ connectionName: 'socket.io-sub' });
  pub.on('error', () => undefined);
  sub.on('error', () => undefined);
  return {
    adapter: createAdapter(pub, sub, { key: `${config.redis.keyPrefix}socket.io` }),
    close: async () => {
      await Promise.all([pub.quit().catch(() => pub.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}

/**
 * Socket.IO on the API's HTTP server, with the Redis adapter so an event emitted by any API or worker process
 * reaches the sockets of every API instance.
 */
export class RedisIoAdapter extends IoAdapter {
  private adapter: ReturnType<typeof createAdapter> | null = null;
  private closeClients: (() => Promise<void>) | null = null;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  connectToRedis(): void {
    const { adapter, close } = redisAdapterFor(this.config);
    this.adapter = adapter;
    this.closeClients = close;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      ...socketServerOptions(this.config),
    } as ServerOptions) as Server;
    if (this.adapter) server.adapter(this.adapter);
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await this.closeClients?.();
  }
}
