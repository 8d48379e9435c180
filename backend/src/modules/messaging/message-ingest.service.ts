import { Injectable, OnModuleInit } from '@nestjs/common';
import { TenantDatabase } from '../../common/database/tenant-database';
import { LidResolver } from '../directory/lid-resolver.service';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceRepository } from '../whatsapp/devices/device.repository';
import { WahaAckPayload, WahaMessage } from '../whatsapp/waha/waha.types';
import { VerifiedWahaEvent, WahaEventRouter } from '../whatsapp/webhooks/waha-event-router';
import { ChatRepository } from './chat.repository';
import { MessageEvents } from './message-events';
import { MessageEntity } from './message.entity';
import { MessageRepository, ObservedMessage } from './message.repository';
import { statusForAck } from './message-status';
import { chatIdFromMessageId, isGroupId } from './recipient';

/** Raised to have the event delivered again later, when it refers to something not stored yet. */
export class NotYetError extends Error {}

/**
 * Chat history from WAHA's webhooks: every message (received, sent from the phone, sent through us) is stored
 * once per (device, WhatsApp id) however often WAHA delivers it; acks move sent messages forward only.
 */
@Injectable()
export class MessageIngestService implements OnModuleInit {
  constructor(
    private readonly db: TenantDatabase,
    private readonly messages: MessageRepository,
    private readonly chats: ChatRepository,
    private readonly devices: DeviceRepository,
    private readonly lids: LidResolver,
    private readonly events: MessageEvents,
    private readonly router: WahaEventRouter,
  ) {}

  onModuleInit(): void {
    this.router.on('message', (event) => this.onMessage(event));
    this.router.on('message.any', (event) => this.onMessage(event));
    this.router.on('message.ack', (event) => this.onAck(event));
  }

  private async onMessage(event: VerifiedWahaEvent): Promise<void> {
    const message = event.payload as WahaMessage;
    if (!message || typeof message.id !== 'string' || typeof message.timestamp !== 'number') return;
    const device = await this.device(event);
    if (!device) return;

    if (message.fromMe && message.source === 'api') {
      // Sent through WAHA's API: normally one of ours, whose WhatsApp id the send worker records. Wait for it
      // rather than store a second copy; only if it never shows up was it sent by someone else.
      const ours = await this.db.run(event.tenantId, (tx) =>
        this.messages.findByWaId(tx, device.id, message.id),
      );
      if (ours) return;
      if (!event.finalAttempt) throw new NotYetError('Own message not matched to its send yet');
    }
    const observed = await this.observe(device, message, 'live');
    if (observed) await this.store(device, [observed]);
  }

  private async onAck(event: VerifiedWahaEvent): Promise<void> {
    const ack = event.payload as WahaAckPayload;
    if (!ack || typeof ack.id !== 'string' || typeof ack.ack !== 'number') return;
    const status = statusForAck(ack.ack);
    if (!status) return;
    const outcome = await this.db.run(event.tenantId, async (tx) => {
      const moved = await this.messages.advance(tx, event.deviceId, ack.id, status);
      return {
        moved,
        known: moved ? true : Boolean(await this.messages.findByWaId(tx, event.deviceId, ack.id)),
      };
    });
    if (outcome.moved) this.events.updated(outcome.moved);
    else if (!outcome.known && !event.finalAttempt) throw new NotYetError('Ack for a message not stored yet');
  }

  /** WAHA's message as a row: chat from the message id, `@lid` people resolved to phone numbers. */
  async observe(
    device: DeviceEntity,
    message: WahaMessage,
    source: ObservedMessage['source'],
  ): Promise<ObservedMessage | null> {
    const rawChat = chatIdFromMessageId(message.id) ?? (message.fromMe ? message.to : message.from);
    if (!rawChat || rawChat === 'status@broadcast' || rawChat.endsWith('@newsletter')) return null;
    const chatId = await this.lids.canonical(device, rawChat);
    const sender =
      isGroupId(chatId) && message.participant
        ? await this.lids.canonical(device, message.participant)
        : null;
    return {
      deviceId: device.id,
      waMessageId: message.id,
      chatId,
      direction: message.fromMe ? 'outbound' : 'inbound',
      body: message.body ?? '',
      status: message.fromMe ? (statusForAck(message.ack ?? 1) ?? 'sent') : 'received',
      source,
      senderId: sender,
      createdAt: new Date(message.timestamp * 1000),
    };
  }

  /** Stores messages (duplicates skipped), moves their chats forward, announces the new ones. */
  async store(device: DeviceEntity, observed: ObservedMessage[]): Promise<MessageEntity[]> {
    const inserted = await this.db.run(device.tenantId, async (tx) => {
      const rows = await this.messages.insertObserved(tx, observed);
      await this.chats.touch(
        tx,
        rows.map((r) => ({ deviceId: r.deviceId, chatId: r.chatId, id: r.id, createdAt: r.createdAt })),
      );
      return rows;
    });
    for (const row of inserted) this.events.created(row);
    return inserted;
  }

  private device(event: VerifiedWahaEvent): Promise<DeviceEntity | null> {
    return this.db.run(event.tenantId, (tx) => this.devices.findById(tx, event.deviceId));
  }
}
