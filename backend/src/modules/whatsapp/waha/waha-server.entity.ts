import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A WAHA server of the pool (platform data, shared by all tenants; no tenant_id, no RLS). */
@Entity('waha_servers')
export class WahaServerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  url!: string;

  @Column('text', { nullable: true })
  tier!: 'CORE' | 'PLUS' | null;

  @Column('text', { nullable: true })
  version!: string | null;

  @Column('text', { nullable: true })
  engine!: string | null;

  @Column('integer', { nullable: true })
  capacity!: number | null;

  /** WAHA's own start time: a change means it restarted (and, in Core, forgot session config). */
  @Column('bigint', { name: 'start_timestamp', nullable: true })
  startTimestamp!: string | null;

  @Column('timestamptz', { name: 'last_seen_at', nullable: true })
  lastSeenAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
