import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A verified WAHA event. The primary key makes each event id take effect once per tenant. */
@Entity('webhook_inbox')
export class WebhookInboxEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('text', { name: 'event_id' })
  eventId!: string;

  @Column('uuid', { name: 'device_id' })
  deviceId!: string;

  @Column('text')
  event!: string;

  @Column('jsonb')
  payload!: unknown;

  @Column('timestamptz', { name: 'event_timestamp' })
  eventTimestamp!: Date;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('timestamptz', { name: 'processed_at', nullable: true })
  processedAt!: Date | null;
}
