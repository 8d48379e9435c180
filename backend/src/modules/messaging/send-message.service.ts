import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  UnprocessableEntityException,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { maskPhone } from '../../common/logging/mask';
import { AuditService } from '../audit/audit.service';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceRepository } from '../whatsapp/devices/device.repository';
import { DevicesService } from '../whatsapp/devices/devices.service';
import { MessageEvents } from './message-events';
import { MessageEntity } from './message.entity';
import { MessageQueueService } from './message-queue.service';
import { MessageRepository } from './message.repository';
import { SendAcceptedDto, SendMessageDto } from './messaging.dto';
import { parseRecipient, RECIPIENT_RULE } from './recipient';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Accepting a send: checks the recipient, the device and its state, then stores the message as `queued` and
 * queues it. Once this answers 202 the message is in PostgreSQL; if Redis is down at that moment, the recovery
 * sweep queues it later. An Idempotency-Key makes a retried request return the first message.
 */
@Injectable()
export class SendMessageService {
  private readonly logger = new Logger(SendMessageService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly messages: MessageRepository,
    private readonly devices: DevicesService,
    private readonly deviceRepository: DeviceRepository,
    private readonly queue: MessageQueueService,
    private readonly audit: AuditService,
    private readonly events: MessageEvents,
  ) {}

  async send(
    auth: AuthContext,
    dto: SendMessageDto,
    idempotencyKey: string | undefined,
  ): Promise<SendAcceptedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1-200 printable ASCII characters']);
    }
    const recipient = parseRecipient(dto.to);
    if (!recipient) throw new BadRequestException([RECIPIENT_RULE]);
    const requestHash = createHash('sha256')
      .update(JSON.stringify([dto.deviceId ?? null, recipient.chatId, dto.text]))
      .digest('hex');

    const outcome = await this.db.run(auth.tenantId, async (tx) => {
      if (idempotencyKey) {
        const earlier = await this.messages.findByIdempotencyKey(tx, idempotencyKey);
        if (earlier) return { message: this.replay(earlier, requestHash), fresh: false, busy: false };
      }
      const device = await this.sendingDevice(tx, auth, dto.deviceId);
      const message = await this.messages.insertOutbound(tx, {
        deviceId: device.id,
        userId: auth.userId,
        chatId: recipient.chatId,
        body: dto.text,
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey ? requestHash : null,
      });
      if (!message) {
        // A concurrent request with the same key won the insert: answer like a replay.
        const earlier = await this.messages.findByIdempotencyKey(tx, idempotencyKey!);
        return { message: this.replay(earlier!, requestHash), fresh: false, busy: false };
      }
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'message.sent',
        targetType: 'message',
        targetId: message.id,
        details: { deviceId: device.id, to: maskPhone(recipient.chatId) },
      });
      return { message, fresh: true, busy: await this.messages.hasOtherUnfinished(tx, message.id) };
    });

    if (outcome.fresh) {
      await this.queue
        .enqueueSend(auth.tenantId, outcome.message.id, outcome.busy)
        .catch((error: unknown) => {
          this.logger.warn(
            { tenantId: auth.tenantId, messageId: outcome.message.id, err: (error as Error).message },
            'Message stored but not queued yet; the recovery sweep will queue it',
          );
        });
      this.events.created(outcome.message);
    }
    return { id: outcome.message.id, status: outcome.message.status };
  }

  private replay(earlier: MessageEntity, requestHash: string): MessageEntity {
    if (earlier.requestHash !== requestHash) {
      throw new UnprocessableEntityException('This Idempotency-Key was used for a different request');
    }
    return earlier;
  }

  /** The named device if the caller may use it, else the caller's active device; it must be WORKING. */
  private async sendingDevice(
    tx: TenantTx,
    auth: AuthContext,
    deviceId: string | undefined,
  ): Promise<DeviceEntity> {
    let device: DeviceEntity;
    if (deviceId) {
      device = await this.devices.findUsable(tx, auth, deviceId);
    } else {
      const activeId = await this.deviceRepository.activeDeviceId(tx, auth.userId);
      if (!activeId)
        throw new ConflictException('No active device: link one, switch to one, or pass deviceId');
      device = await this.devices.findUsable(tx, auth, activeId);
    }
    if (device.status !== 'WORKING') {
      throw new ConflictException(`The device is ${device.status}; it must be WORKING (linked) to send`);
    }
    return device;
  }
}
