import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Server } from 'socket.io';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { redisAdapterFor, socketServerOptions } from './redis-io.adapter';

/**
 * Emits to rooms. In the API process it uses the gateway's server (local sockets + Redis to other instances);
 * in a worker process, which has no HTTP server, a detached server whose Redis adapter forwards every emit to
 * the API instances.
 */
@Injectable()
export class RealtimeService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeService.name);
  private server: Server | null = null;
  private detached: { server: Server; close: () => Promise<void> } | null = null;
  private closing = false;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  attach(server: Server): void {
    this.server = server;
  }

  async emit(room: string, event: string, payload: unknown): Promise<void> {
    if (this.closing) return; // the adapter's Redis clients are going away
    try {
      const server = this.server ?? this.detachedServer();
      server.to(room).emit(event, payload);
    } catch (error) {
      // Live updates are best effort: the portal re-reads on reconnect.
      this.logger.warn({ event, err: (error as Error).message }, 'Could not emit a live update');
    }
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.detached) return;
    this.detached.server.close();
    await this.detached.close();
  }

  private detachedServer(): Server {
    if (!this.detached) {
      const server = new Server(socketServerOptions(this.config));
      const { adapter, close } = redisAdapterFor(this.config);
      server.adapter(adapter);
      this.detached = { server, close };
    }
    return this.detached.server;
  }
}
