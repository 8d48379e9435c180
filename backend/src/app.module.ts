import { DynamicModule, MiddlewareConsumer, Module, NestModule, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from './common/common.module';
import { RequestContextMiddleware } from './common/context/request-context.middleware';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter';
import { loggerParams } from './common/logging/logger.config';
import { RedisModule } from './common/redis/redis.module';
import { RedisThrottlerStorage } from './common/redis/redis-throttler.storage';
import { AppThrottlerGuard } from './common/throttle/app-throttler.guard';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ENTITIES } from './database/entities';
import { AuditModule } from './modules/audit/audit.module';
import { HealthModule } from './modules/health/health.module';
import { AuthGuard } from './modules/identity/auth.guard';
import { IdentityModule } from './modules/identity/identity.module';
import { TenantsModule } from './modules/tenants/tenants.module';
import { UsersModule } from './modules/users/users.module';
import { WhatsappModule } from './modules/whatsapp/whatsapp.module';
import { DirectoryModule } from './modules/directory/directory.module';
import { MessagingModule } from './modules/messaging/messaging.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { QueueModule } from './common/queue/queue.module';

interface RequestWithAuth {
  auth?: unknown;
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.database.appUrl,
          entities: ENTITIES,
          synchronize: false,
          migrationsRun: false,
          logging: false,
          extra: {
            max: config.database.poolSize,
            connectionTimeoutMillis: 5000,
            application_name: 'whatsapp-api',
          },
        }),
        RedisModule,
        CommonModule,
        EventEmitterModule.forRoot(),
        ThrottlerModule.forRootAsync({
          imports: [RedisModule],
          inject: [RedisThrottlerStorage],
          useFactory: (storage: RedisThrottlerStorage) => ({
            storage,
            throttlers: [
              {
                name: 'default',
                ttl: config.rateLimit.windowSeconds * 1000,
                limit: (context) =>
                  context.switchToHttp().getRequest<RequestWithAuth>().auth
                    ? config.rateLimit.perUser
                    : config.rateLimit.perIp,
              },
            ],
          }),
        }),
        AuditModule,
        UsersModule,
        TenantsModule,
        IdentityModule,
        HealthModule,
        QueueModule,
        WhatsappModule,
        DirectoryModule,
        MessagingModule,
        RealtimeModule,
      ],
      providers: [
        // Order matters: authenticate first, so the rate limit can count per user.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useClass: AppThrottlerGuard },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            validationError: { target: false, value: false },
          }),
        },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes('{*path}');
  }
}
