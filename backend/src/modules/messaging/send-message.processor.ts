import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { TenantDatabase } from '../../common/database/tenant-database';
import { QueueName } from '../../common/queue/queue-names';
import { QueueProcessor, QueueWorkers } from '../../common/queue/queue-workers.service';
import { isUuid } from '../../common/validation/uuid';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceRepository } from '../whatsapp/devices/device.repository';
import { DeviceSessionsService } from '../whatsapp/devices/device-sessions.service';
import { isPermanentWahaError } from '../whatsapp/waha/waha.errors';
import { ChatRepository } from './chat.repository';
import { DevicePacer } from './device-pacer.service';
import { MessageEvents } from './message-events';
import { MessageEntity } from './message.entity';
import { SendJob } from './message-queue.service';
import { MessageRepository } from './message.repository';
import { isFinal } from './message-status';
import { waMessageIdOf } from './wa-message-id';

/** How many of the chat's own recent messages (sent after this one was accepted) are searched before a re-send. */
const RECONCILE_WINDOW = 100;

/** Early wake-ups within this margin count as on time. */
const SLOT_TOLERANCE_MS = 50;

class DeviceNotReadyError extends Error {}

/**
 * Sends queued messages through WAHA. At least once by nature (a job whose worker dies is run again), so:
 * the status moves queued → sending → sent with guarded updates; a message found already `sending` is first
 * looked for in the chat's recent history and only re-sent if WhatsApp does not have it. WAHA outages, 5xx and
 * timeouts retry with exponential backoff and jitter; WAHA refusing the request fails the message at once.
 */
@Injectable()
export class SendMessageProcessor implements QueueProcessor, OnModuleInit {
  private readonly logger = new Logger(SendMessageProcessor.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly messages: MessageRepository,
    private readonly chats: ChatRepository,
    private readonly devices: DeviceRepository,
    private readonly sessions: DeviceSessionsService,
    private readonly pacer: DevicePacer,
    private readonly events: MessageEvents,
    private readonly workers: QueueWorkers,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.workers.register(QueueName.Messages, this, this.config.messaging.concurrency);
  }

  async process(job: Job<SendJob>, token?: string): Promise<void> {
    const { tenantId, messageId } = job.data;
    if (!isUuid(tenantId) || !isUuid(messageId)) return;
    const message = await this.db.run(tenantId, (tx) => this.messages.findById(tx, messageId));
    if (!message || isFinal(message.status)) return;
    const device = await this.db.run(tenantId, (tx) => this.devices.findById(tx, message.deviceId));
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

    try {
      if (!device) return await this.fail(message, 'The sending device was unlinked');
      if (device.status !== 'WORKING')
        throw new DeviceNotReadyError(`The sending device is ${device.status}`);
      await this.waitForSlot(job, token, device);
      if (message.status === 'sending' && (await this.reconcile(device, message))) return;
      const sending = await this.db.run(tenantId, (tx) => this.messages.markSending(tx, messageId));
      if (!sending) return;
      this.events.updated(sending);
      await this.spaceFromPreviousSend(device);
      const result = await this.sessions.client(device).sendText({
        session: device.sessionName,
        chatId: message.chatId,
        text: message.body,
      });
      await this.recordSent(message, waMessageIdOf(result));
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      // Only WAHA refusing this very request is final; anything else (WAHA outages and 5xx, a device not
      // connected right now, Redis or PostgreSQL trouble) may pass, so it is retried until attempts run out.
      const retryable = !isPermanentWahaError(error);
      if (retryable && !finalAttempt) {
        // The next attempt reserves a fresh pacing slot.
        await job.updateData({ tenantId, messageId });
        throw error;
      }
      await this.fail(
        message,
        retryable
          ? `${(error as Error).message} (gave up after ${job.attemptsMade + 1} attempts)`
          : (error as Error).message,
      );
    }
  }

  /** Waits for this device's pacing slot by moving the job to the delayed set (no worker is held). */
  private async waitForSlot(
    job: Job<SendJob>,
    token: string | undefined,
    device: DeviceEntity,
  ): Promise<void> {
    let slotAt = job.data.slotAt;
    if (!slotAt) {
      const wait = await this.pacer.reserve(device.tenantId, device.id);
      if (wait <= SLOT_TOLERANCE_MS) return;
      slotAt = Date.now() + wait;
      await job.updateData({ ...job.data, slotAt });
    }
    if (Date.now() >= slotAt - SLOT_TOLERANCE_MS) return;
    await job.moveToDelayed(slotAt, token);
    throw new DelayedError();
  }

  /**
   * Slots space the schedule, not the sends: a delayed job can wake up to ~100 ms late (Redis timer resolution)
   * while the next one wakes on time. Right before sending, wait out what is left of the gap since the device's
   * previous send (at most one gap; usually nothing).
   */
  private async spaceFromPreviousSend(device: DeviceEntity): Promise<void> {
    // The slot was reserved already; a Redis hiccup here must not fail the send.
    const claim = () => this.pacer.claim(device.tenantId, device.id).catch(() => 0);
    let wait = await claim();
    while (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = await claim();
    }
  }

  /**
   * A message already `sending` may have reached WhatsApp before its worker died. Look for it among the chat's
   * recent own messages (same text, not claimed by another message); if found, record it instead of sending.
   */
  private async reconcile(device: DeviceEntity, message: MessageEntity): Promise<boolean> {
    try {
      const since = Math.floor(new Date(message.createdAt).getTime() / 1000) - 5;
      const recent = await this.sessions
        .client(device)
        .chatMessages(device.sessionName, message.chatId, RECONCILE_WINDOW, since);
      for (const candidate of recent) {
        if (!candidate.fromMe || candidate.body !== message.body) continue;
        const claimed = await this.db.run(device.tenantId, (tx) =>
          this.messages.findByWaId(tx, device.id, candidate.id),
        );
        if (claimed) continue;
        this.logger.log(
          { tenantId: device.tenantId, messageId: message.id },
          'In-flight message found on WhatsApp; not re-sent',
        );
        await this.recordSent(message, candidate.id);
        return true;
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Could not check history before re-sending');
    }
    return false;
  }

  private async recordSent(message: MessageEntity, waMessageId: string | null): Promise<void> {
    const sent = await this.db.run(message.tenantId, async (tx) => {
      const row = await this.messages.markSent(tx, message.id, waMessageId);
      if (row)
        await this.chats.touch(tx, [
          { deviceId: row.deviceId, chatId: row.chatId, id: row.id, createdAt: row.createdAt },
        ]);
      return row;
    });
    if (sent) this.events.updated(sent);
  }

  private async fail(message: MessageEntity, reason: string): Promise<void> {
    const failed = await this.db.run(message.tenantId, (tx) =>
      this.messages.markFailed(tx, message.id, reason),
    );
    if (failed) {
      this.logger.warn({ tenantId: message.tenantId, messageId: message.id }, 'Message failed');
      this.events.updated(failed);
    }
  }
}
