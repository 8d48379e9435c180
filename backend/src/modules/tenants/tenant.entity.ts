import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TenantStatus = 'active' | 'suspended';

@Entity('tenants')
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  slug!: string;

  @Column('text')
  status!: TenantStatus;

  @Column('boolean', { name: 'is_platform' })
  isPlatform!: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
