import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/**
 * Base of every queue processor. Processors are declared with `autorun: false` and start here only when this
 * process runs workers: the API does by default (WORKERS_IN_PROCESS=true); `npm run worker` always does.
 */
export abstract class AppWorkerHost extends WorkerHost implements OnApplicationBootstrap {
  protected readonly logger = new Logger(this.constructor.name);

  @Inject(APP_CONFIG)
  private readonly appConfig!: AppConfig;

  onApplicationBootstrap(): void {
    if (!this.appConfig.workers.inProcess) return;
    this.worker.on('error', (error) => this.logger.warn({ err: error.message }, 'Worker error'));
    this.worker
      .run()
      .catch((error: unknown) => this.logger.error({ err: (error as Error).message }, 'Worker stopped'));
  }
}
