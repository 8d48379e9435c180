import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { SESSION_STATUSES, SessionStatus } from '../waha/waha.types';
import { DeviceEntity } from './device.entity';

export class CreateDeviceDto {
  @ApiProperty({ example: 'Sales phone', description: '1-64 characters' })
  @IsString({ message: 'name must be a string' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(1, 64, { message: 'name must be 1-64 characters' })
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  name!: string;
}

export class SetActiveDeviceDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'deviceId must be a UUID' })
  deviceId!: string;
}

export class ListDevicesQueryDto {
  @ApiPropertyOptional({
    description: "Every device of the tenant instead of the caller's own (requires `users:manage`)",
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'all must be true or false' })
  all?: boolean;
}

export class QrDto {
  @ApiProperty({ description: 'The raw QR string WhatsApp encodes', example: '2@Xq3k…,…,…,…' })
  value!: string;

  @ApiProperty({ description: 'The QR as a PNG data URL', example: 'data:image/png;base64,iVBORw0KGgo…' })
  image!: string;
}

export class DeviceResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Sales phone' })
  name!: string;

  @ApiProperty({ enum: SESSION_STATUSES, example: 'WORKING', description: "WAHA's session status" })
  status!: SessionStatus;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'The QR code was not scanned in time; ask for a new QR',
    description: 'Why the device is FAILED or stuck',
  })
  statusReason!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: '4915112345678',
    description: 'International digits',
  })
  phoneNumber!: string | null;

  @ApiProperty({ description: "Whether this is the caller's active (default sending) device" })
  active!: boolean;

  @ApiProperty({ format: 'uuid', description: 'The user who linked it' })
  userId!: string;

  @ApiProperty({ nullable: true, type: String, example: '2026-12-04T10:05:00.000Z' })
  linkedAt!: string | null;

  @ApiProperty({ example: '2026-12-04T10:00:00.000Z' })
  createdAt!: string;
}

export class CreatedDeviceDto extends DeviceResponseDto {
  @ApiProperty({ type: QrDto, nullable: true, description: 'Present once WAHA shows a QR, else null' })
  qr!: QrDto | null;
}

export class SyncAcceptedDto {
  @ApiProperty({ example: 'queued', enum: ['queued'] })
  status!: 'queued';
}

export function mapDevice(device: DeviceEntity, activeDeviceId: string | null): DeviceResponseDto {
  return {
    id: device.id,
    name: device.name,
    status: device.status,
    statusReason: device.statusReason,
    phoneNumber: device.phoneNumber,
    active: device.id === activeDeviceId,
    userId: device.userId,
    linkedAt: device.linkedAt ? device.linkedAt.toISOString() : null,
    createdAt: device.createdAt.toISOString(),
  };
}
