import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MessageStatus } from './message-status';

/** One WhatsApp message of a device: sent through the API, sent from the phone, or received. */
@Entity('messages')
export class MessageEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'device_id' })
  deviceId!: string;

  /** The user who sent it through the API; null for received messages and those sent from the phone. */
  @Column('uuid', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { name: 'chat_id' })
  chatId!: string;

  @Column('text')
  direction!: 'outbound' | 'inbound';

  @Column('text')
  body!: string;

  @Column('text')
  status!: MessageStatus;

  @Column('text', { nullable: true })
  error!: string | null;

  @Column('text')
  source!: 'api' | 'live' | 'history';

  @Column('text', { name: 'wa_message_id', nullable: true })
  waMessageId!: string | null;

  /** Who wrote it, for messages received in groups (`participant`). */
  @Column('text', { name: 'sender_id', nullable: true })
  senderId!: string | null;

  @Column('integer')
  attempts!: number;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('text', { name: 'request_hash', nullable: true })
  requestHash!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt!: Date | null;
}
