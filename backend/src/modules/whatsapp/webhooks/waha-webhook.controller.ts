import { Controller, Headers, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/auth.decorators';
import { ErrorResponseDto } from '../../../common/errors/error-response.dto';
import { WahaWebhookService } from './waha-webhook.service';

class WebhookAckDto {
  @ApiProperty({ enum: ['accepted', 'duplicate'], example: 'accepted' })
  status!: 'accepted' | 'duplicate';
}

class WahaWebhookEnvelopeDto {
  @ApiProperty({ example: 'evt_01jh2z4k8q3v5x7y9b1c3d5f7g' })
  id!: string;

  @ApiProperty({ example: 1765000000000, description: 'Event time, ms' })
  timestamp!: number;

  @ApiProperty({ example: 'session.status' })
  event!: string;

  @ApiProperty({ example: 'default' })
  session!: string;

  @ApiProperty({
    example: { deviceId: '…', tenantId: '…' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  metadata!: Record<string, string>;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload!: Record<string, unknown>;
}

@ApiTags('Webhooks')
@Controller('webhooks')
export class WahaWebhookController {
  constructor(private readonly service: WahaWebhookService) {}

  @Post('waha')
  @Public()
  @SkipThrottle()
  @HttpCode(200)
  @ApiOperation({
    summary: 'WAHA webhook receiver (called by WAHA, not by clients)',
    description:
      'Verified with HMAC-SHA512 over the raw body (key per device). Unsigned or wrongly signed → 401 and nothing ' +
      'stored; a repeated event id → 200 `duplicate` and no second effect. Not reachable through nginx.',
  })
  @ApiHeader({ name: 'X-Webhook-Hmac', required: true, description: 'hex HMAC-SHA512 of the raw body' })
  @ApiHeader({ name: 'X-Webhook-Hmac-Algorithm', required: false, description: 'must be sha512' })
  @ApiBody({ type: WahaWebhookEnvelopeDto })
  @ApiOkResponse({ type: WebhookAckDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, invalid or stale signature' })
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('x-webhook-hmac') signature: string | undefined,
    @Headers('x-webhook-hmac-algorithm') algorithm: string | undefined,
  ): Promise<WebhookAckDto> {
    return { status: await this.service.receive(request.rawBody, signature, algorithm) };
  }
}
