import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Permission, TENANT_PERMISSIONS } from '../../common/auth/permission';
import { IsAcceptablePassword, IsUsername } from './credentials.policy';
import { UserGroupEntity } from './user-group.entity';
import { UserEntity } from './user.entity';

export class CreateUserDto {
  @ApiProperty({
    example: 'alice.smith',
    description: '3-64 of letters, digits, `._-`; unique per tenant (case-insensitive)',
  })
  @IsUsername()
  username!: string;

  @ApiProperty({
    example: 'Correct-Horse-42',
    description:
      'At least 10 characters, at most 72 bytes, two or more character classes, not containing the username',
    format: 'password',
  })
  @IsAcceptablePassword()
  password!: string;

  @ApiProperty({ format: 'uuid', description: 'A user group of the same tenant' })
  @IsUUID('all', { message: 'groupId must be a UUID' })
  groupId!: string;
}

export class ChangeUserGroupDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'groupId must be a UUID' })
  groupId!: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'alice.smith' })
  username!: string;

  @ApiProperty({ format: 'uuid' })
  groupId!: string;

  @ApiProperty({ example: '2026-12-04T10:00:00.000Z' })
  createdAt!: string;
}

export function mapUser(user: UserEntity): UserResponseDto {
  return {
    id: user.id,
    username: user.username,
    groupId: user.groupId,
    createdAt: user.createdAt.toISOString(),
  };
}

const GROUP_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;

export class CreateUserGroupDto {
  @ApiProperty({
    example: 'Support agents',
    description: '1-64 characters; unique per tenant (case-insensitive)',
  })
  @IsString({ message: 'name must be a string' })
  @Length(1, 64, { message: 'name must be 1-64 characters' })
  @Matches(GROUP_NAME, { message: 'name may contain letters, digits, spaces, dot, underscore and hyphen' })
  name!: string;

  @ApiProperty({ enum: TENANT_PERMISSIONS, isArray: true, example: ['messages:send', 'logs:view'] })
  @IsArray({ message: 'permissions must be an array' })
  @ArrayUnique({ message: 'permissions must not repeat' })
  @IsIn(TENANT_PERMISSIONS, {
    each: true,
    message: `each permission must be one of ${TENANT_PERMISSIONS.join(', ')}`,
  })
  permissions!: Permission[];
}

export class UpdateUserGroupDto {
  @ApiPropertyOptional({ example: 'Support leads' })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @Length(1, 64, { message: 'name must be 1-64 characters' })
  @Matches(GROUP_NAME, { message: 'name may contain letters, digits, spaces, dot, underscore and hyphen' })
  name?: string;

  @ApiPropertyOptional({ enum: TENANT_PERMISSIONS, isArray: true })
  @IsOptional()
  @IsArray({ message: 'permissions must be an array' })
  @ArrayUnique({ message: 'permissions must not repeat' })
  @IsIn(TENANT_PERMISSIONS, {
    each: true,
    message: `each permission must be one of ${TENANT_PERMISSIONS.join(', ')}`,
  })
  permissions?: Permission[];
}

export class UserGroupResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Editors' })
  name!: string;

  @ApiProperty({ enum: Permission, isArray: true, example: ['devices:link', 'messages:send', 'logs:view'] })
  permissions!: Permission[];

  @ApiProperty({ description: 'Seeded group (Admins, Editors, Viewers): cannot be changed or deleted' })
  system!: boolean;
}

export function mapUserGroup(group: UserGroupEntity): UserGroupResponseDto {
  return { id: group.id, name: group.name, permissions: [...group.permissions].sort(), system: group.system };
}
