import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../../config/app-config';
import type { RealtimeService } from './realtime.service';

/** Socket.IO options shared by the HTTP-attached server and the worker's detached one. */
export function socketServerOptions(config: AppConfig): Partial<ServerOptions> {
  return {
    cors: { origin: config.http.corsOrigins, credentials: false },
    // Clients join rooms only after the token check; the handshake may not carry anything else of value.
    maxHttpBufferSize: 64 * 1024,
  };
}

/**
 * Socket.IO on the API's HTTP server, with the Redis adapter owned by RealtimeService, so an event emitted by
 * any API or worker process reaches the sockets of every API instance.
 */
export class RedisIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly realtime: RealtimeService,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      ...socketServerOptions(this.config),
    } as ServerOptions) as Server;
    server.adapter(this.realtime.redisAdapter());
    return server;
  }
}
