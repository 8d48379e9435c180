import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { Permission } from '../../common/auth/permission';

export class LoginDto {
  @ApiProperty({ example: 'acme', description: 'Tenant slug; the platform operator uses `platform`' })
  @IsString({ message: 'tenant must be a string' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/i, { message: 'tenant must be a tenant slug' })
  tenant!: string;

  @ApiProperty({ example: 'admin' })
  @IsString({ message: 'username must be a string' })
  @Length(1, 64, { message: 'username must be 1-64 characters' })
  username!: string;

  @ApiProperty({ example: 'Change-Me-Now-42', format: 'password' })
  @IsString({ message: 'password must be a string' })
  @Length(1, 200, { message: 'password must be 1-200 characters' })
  password!: string;
}

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from login or the previous refresh', example: '…' })
  @IsString({ message: 'refreshToken must be a string' })
  @MinLength(1, { message: 'refreshToken must not be empty' })
  @MaxLength(2048, { message: 'refreshToken is too long' })
  refreshToken!: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (RS256) with tenantId, userId, groupId, sub, iss, aud, iat, exp' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque; single use: every refresh returns a new one' })
  refreshToken!: string;

  @ApiProperty({ example: 'Bearer', enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 900, description: 'Access-token lifetime in seconds' })
  expiresIn!: number;
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid', description: "The user's current group" })
  groupId!: string;

  @ApiProperty({ example: 'admin' })
  username!: string;

  @ApiProperty({ enum: Permission, isArray: true, example: ['devices:link', 'logs:view', 'messages:send'] })
  permissions!: Permission[];
}

export class JwkDto {
  @ApiProperty({ example: 'RSA' })
  kty!: string;

  @ApiProperty({ format: 'uuid' })
  kid!: string;

  @ApiProperty({ example: 'RS256' })
  alg!: string;

  @ApiProperty({ example: 'sig' })
  use!: string;

  @ApiProperty({ required: false, description: 'RSA modulus (base64url)' })
  n?: string;

  @ApiProperty({ required: false, example: 'AQAB' })
  e?: string;

  @ApiProperty({ required: false, example: 'P-256' })
  crv?: string;

  @ApiProperty({ required: false })
  x?: string;

  @ApiProperty({ required: false })
  y?: string;
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto] })
  keys!: JwkDto[];
}

export class RotatedKeyDto {
  @ApiProperty({ format: 'uuid', description: 'Id (`kid`) of the new signing key' })
  kid!: string;
}
