import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SessionStatus } from '../waha/waha.types';

@Entity('devices')
export class DeviceEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  /** The user who linked it. */
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  name!: string;

  @Column('uuid', { name: 'server_id' })
  serverId!: string;

  @Column('text', { name: 'session_name' })
  sessionName!: string;

  /** WAHA's session status, as last reported. */
  @Column('text')
  status!: SessionStatus;

  /** Why the device is FAILED or stuck, in words for the user. */
  @Column('text', { name: 'status_reason', nullable: true })
  statusReason!: string | null;

  @Column('timestamptz', { name: 'status_changed_at' })
  statusChangedAt!: Date;

  /** WAHA's timestamp of the status event applied last; older events are ignored (they can arrive late). */
  @Column('timestamptz', { name: 'status_event_at', nullable: true })
  statusEventAt!: Date | null;

  /** International digits of the linked phone, e.g. 4915112345678. */
  @Column('text', { name: 'phone_number', nullable: true })
  phoneNumber!: string | null;

  /** WhatsApp id of the linked phone (`<digits>@c.us`). */
  @Column('text', { name: 'wa_id', nullable: true })
  waId!: string | null;

  @Column('text', { name: 'wa_lid', nullable: true })
  waLid!: string | null;

  @Column('text', { name: 'push_name', nullable: true })
  pushName!: string | null;

  /** HMAC key WAHA signs this session's webhooks with, sealed (SecretBox "webhook-keys"). */
  @Column('text', { name: 'webhook_key_enc' })
  webhookKeyEnc!: string;

  @Column('text', { name: 'qr_value', nullable: true })
  qrValue!: string | null;

  @Column('timestamptz', { name: 'qr_updated_at', nullable: true })
  qrUpdatedAt!: Date | null;

  @Column('timestamptz', { name: 'linked_at', nullable: true })
  linkedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}
