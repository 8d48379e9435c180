import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createHash, createHmac } from 'node:crypto';
import { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { safeEqual } from '../../../common/crypto/secret-box';
import { TenantDatabase } from '../../../common/database/tenant-database';
import { enqueue } from '../../../common/queue/enqueue';
import { QueueName } from '../../../common/queue/queue-names';
import { isUuid } from '../../../common/validation/uuid';
import { DeviceSessionsService } from '../devices/device-sessions.service';
import { WahaWebhookEnvelope } from '../waha/waha.types';
import { WebhookInboxRepository } from './webhook-inbox.repository';

export interface WahaEventJob {
  tenantId: string;
  eventId: string;
}

interface WebhookTarget {
  tenant_id: string;
  device_id: string;
  server_id: string;
  session_name: string;
  webhook_key_enc: string;
}

const REJECTED = 'Webhook signature is missing or invalid';
/** Signed timestamps this far in the future are refused too (clock skew allowance). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Accepts WAHA webhooks: verifies HMAC-SHA512 over the exact raw body with the key of the device named in
 * the signed metadata, checks that the session matches our record of that device, refuses stale timestamps,
 * stores the event once per id (inbox) and queues it. Answers fast; the work happens in WahaEventsProcessor.
 */
@Injectable()
export class WahaWebhookService {
  private readonly logger = new Logger(WahaWebhookService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly inbox: WebhookInboxRepository,
    private readonly sessions: DeviceSessionsService,
    @InjectQueue(QueueName.WahaEvents) private readonly queue: Queue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    signature: string | undefined,
    algorithm: string | undefined,
  ): Promise<'accepted' | 'duplicate'> {
    if (!rawBody?.length || !signature || (algorithm !== undefined && algorithm.toLowerCase() !== 'sha512')) {
      throw new UnauthorizedException(REJECTED);
    }
    const envelope = parseEnvelope(rawBody);
    const deviceId = envelope?.metadata?.deviceId;
    if (!envelope || !isUuid(deviceId)) throw new UnauthorizedException(REJECTED);

    const [target] = await this.db.crossTenant<WebhookTarget>('app_device_webhook_target', [deviceId]);
    if (!target) throw new UnauthorizedException(REJECTED);
    const expected = createHmac('sha512', this.sessions.openWebhookKey(target.webhook_key_enc))
      .update(rawBody)
      .digest('hex');
    if (!safeEqual(expected, signature.trim().toLowerCase()) || envelope.session !== target.session_name) {
      this.logger.warn({ tenantId: target.tenant_id, deviceId }, 'Rejected a webhook with a bad signature');
      throw new UnauthorizedException(REJECTED);
    }

    const timestamp = typeof envelope.timestamp === 'number' ? envelope.timestamp : Date.now();
    const age = Date.now() - timestamp;
    if (age > this.config.waha.webhookMaxAgeSeconds * 1000 || age < -MAX_FUTURE_SKEW_MS) {
      throw new UnauthorizedException('Webhook timestamp is outside the accepted window');
    }

    // Old WAHA builds send no event id: the body's hash stands in (identical retries share it).
    const eventId = envelope.id ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    const fresh = await this.db.run(target.tenant_id, (tx) =>
      this.inbox.insertOnce(tx, {
        eventId,
        deviceId: target.device_id,
        event: envelope.event,
        payload: { payload: envelope.payload, me: envelope.me ?? null },
        eventTimestamp: new Date(timestamp),
      }),
    );
    if (!fresh) return 'duplicate';
    await this.enqueue({ tenantId: target.tenant_id, eventId }).catch((error: unknown) => {
      // Stored in the inbox: the maintenance sweep queues it once Redis is back.
      this.logger.warn({ err: (error as Error).message }, 'Webhook stored but not queued yet');
    });
    return 'accepted';
  }

  enqueue(job: WahaEventJob): Promise<void> {
    return enqueue(this.queue, 'event', job, {
      jobId: `evt-${job.tenantId}-${createHash('sha1').update(job.eventId).digest('hex')}`,
      attempts: 8,
      backoff: { type: 'exponential', delay: 200 },
    });
  }
}

function parseEnvelope(raw: Buffer): WahaWebhookEnvelope | null {
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const envelope = value as WahaWebhookEnvelope;
    return typeof envelope.event === 'string' && typeof envelope.session === 'string' ? envelope : null;
  } catch {
    return null;
  }
}
