import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  username!: string;

  /** bcrypt hash; null for users that only sign in through Auth0. */
  @Column('text', { name: 'password_hash', nullable: true })
  passwordHash!: string | null;

  /** The `sub` of an external identity provider (Auth0), when linked. */
  @Column('text', { name: 'auth_subject', nullable: true })
  authSubject!: string | null;

  @Column('uuid', { name: 'group_id' })
  groupId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}
