import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Permission } from '../../common/auth/permission';

@Entity('user_groups')
export class UserGroupEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { array: true })
  permissions!: Permission[];

  @Column('boolean')
  system!: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
