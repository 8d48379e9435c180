import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { bullConnection } from './redis-connection';
import { PeriodicTasks } from './periodic-tasks.service';
import { QueueErrorLogger } from './queue-error-logger';
import { QueueWorkers } from './queue-workers.service';
import { QueueName } from './queue-names';

const queues = Object.values(QueueName).map((name) => ({ name }));

/** BullMQ on the shared Redis, keys under REDIS_KEY_PREFIX + "bull". */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: bullConnection(config.redis.url),
        prefix: `${config.redis.keyPrefix}bull`,
        defaultJobOptions: {
          removeOnComplete: { age: 3600, count: 5000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  providers: [PeriodicTasks, QueueWorkers, QueueErrorLogger],
  exports: [BullModule, PeriodicTasks, QueueWorkers],
})
export class QueueModule {}
