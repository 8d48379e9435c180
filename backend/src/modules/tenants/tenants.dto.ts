import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsString, Length, Matches, NotEquals, ValidateNested } from 'class-validator';
import { IsAcceptablePassword, IsUsername } from '../users/credentials.policy';

export const PLATFORM_SLUG = 'platform';

export class TenantAdminDto {
  @ApiProperty({ example: 'admin' })
  @IsUsername()
  username!: string;

  @ApiProperty({ example: 'Change-Me-Now-42', format: 'password' })
  @IsAcceptablePassword()
  password!: string;
}

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Ltd', description: '1-120 characters' })
  @IsString({ message: 'name must be a string' })
  @Length(1, 120, { message: 'name must be 1-120 characters' })
  name!: string;

  @ApiProperty({
    example: 'acme',
    description:
      'Used at login; 3-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen',
  })
  @IsString({ message: 'slug must be a string' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/, {
    message: 'slug must be 3-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen',
  })
  @NotEquals(PLATFORM_SLUG, { message: 'slug "platform" is reserved' })
  slug!: string;

  @ApiProperty({ type: TenantAdminDto, description: 'The first Admin of the new tenant' })
  @IsDefined({ message: 'admin is required' })
  @ValidateNested()
  @Type(() => TenantAdminDto)
  admin!: TenantAdminDto;
}

export class CreatedTenantAdminDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'admin' })
  username!: string;

  @ApiProperty({ format: 'uuid', description: "The tenant's Admins group" })
  groupId!: string;
}

export class CreatedTenantDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Ltd' })
  name!: string;

  @ApiProperty({ example: 'acme' })
  slug!: string;

  @ApiProperty({ type: CreatedTenantAdminDto })
  admin!: CreatedTenantAdminDto;
}

export class TenantResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Ltd' })
  name!: string;

  @ApiProperty({ example: 'acme' })
  slug!: string;

  @ApiProperty({ enum: ['active', 'suspended'], example: 'active' })
  status!: 'active' | 'suspended';

  @ApiProperty({ description: "The operator's own tenant" })
  isPlatform!: boolean;

  @ApiProperty({ example: '2026-12-04T10:00:00.000Z' })
  createdAt!: string;
}
