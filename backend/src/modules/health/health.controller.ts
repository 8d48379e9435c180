import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../../common/auth/auth.decorators';
import { InjectRedis } from '../../common/redis/redis.constants';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { database: { status: 'up' }, redis: { status: 'up' } },
  })
  details!: Record<string, unknown>;
}

const CHECK_TIMEOUT_MS = 1500;

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  @Get()
  @Public()
  @SkipThrottle()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'PostgreSQL or Redis is down' })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    try {
      return this.toDto(
        await this.health.check([
          () =>
            this.indicator
              .check('database')
              .attempt(async () => void (await this.dataSource.query('SELECT 1')))
              .withTimeout(CHECK_TIMEOUT_MS),
          () =>
            this.indicator
              .check('redis')
              .attempt(async () => void (await this.redis.ping()))
              .withTimeout(CHECK_TIMEOUT_MS),
        ]),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return this.toDto(error.getResponse() as HealthCheckResult);
    }
  }

  private toDto(result: HealthCheckResult): HealthDto {
    return { status: result.status === 'ok' ? 'ok' : 'error', details: result.details };
  }
}
