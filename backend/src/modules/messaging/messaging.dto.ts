import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/cursor';
import { MessageEntity } from './message.entity';
import { MESSAGE_STATUSES, MessageStatus } from './message-status';

export const MAX_TEXT_LENGTH = 4096;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class SendMessageDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Sending device; the caller's active device when omitted",
  })
  @IsOptional()
  @IsUUID('all', { message: 'deviceId must be a UUID' })
  deviceId?: string;

  @ApiProperty({
    example: '+4915112345678',
    description: 'Phone number in international format, a `…@c.us` chat id or a `…@g.us` group id',
  })
  @IsString({ message: 'to must be a string' })
  @Transform(trim)
  @Length(1, 64, { message: 'to must be 1-64 characters' })
  to!: string;

  @ApiProperty({
    example: 'Your order has shipped.',
    description: `1-${MAX_TEXT_LENGTH} characters after trimming`,
  })
  @IsString({ message: 'text must be a string' })
  @Transform(trim)
  @Length(1, MAX_TEXT_LENGTH, { message: `text must be 1-${MAX_TEXT_LENGTH} characters` })
  text!: string;
}

export class SendAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Message id (also the id of its queue job)' })
  id!: string;

  @ApiProperty({
    enum: MESSAGE_STATUSES,
    example: 'queued',
    description: 'For a replayed Idempotency-Key: the current status',
  })
  status!: MessageStatus;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  deviceId!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who sent it through the API' })
  userId!: string | null;

  @ApiProperty({ example: '4915112345678@c.us' })
  chatId!: string;

  @ApiProperty({ enum: ['outbound', 'inbound'] })
  direction!: 'outbound' | 'inbound';

  @ApiProperty({ example: 'Your order has shipped.' })
  body!: string;

  @ApiProperty({ enum: MESSAGE_STATUSES, example: 'delivered' })
  status!: MessageStatus;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'Why it failed' })
  error!: string | null;

  @ApiProperty({
    enum: ['api', 'live', 'history'],
    description:
      'Sent through this API, seen live on WhatsApp (received, or sent from the phone), or pulled from history',
  })
  source!: 'api' | 'live' | 'history';

  @ApiProperty({ nullable: true, type: String, description: 'Sender inside a group chat', example: null })
  senderId!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: "WhatsApp's message id",
    example: 'true_4915112345678@c.us_3EB0C1',
  })
  waMessageId!: string | null;

  @ApiProperty({ example: '2026-12-04T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-12-04T10:00:02.000Z' })
  updatedAt!: string;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] })
  items!: MessageDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class MessageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'deviceId must be a UUID' })
  deviceId?: string;

  @ApiPropertyOptional({ example: '4915112345678@c.us' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  chatId?: string;

  @ApiPropertyOptional({ enum: ['outbound', 'inbound'] })
  @IsOptional()
  @IsIn(['outbound', 'inbound'], { message: 'direction must be outbound or inbound' })
  direction?: 'outbound' | 'inbound';

  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES, { message: `status must be one of ${MESSAGE_STATUSES.join(', ')}` })
  status?: MessageStatus;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Created at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ example: '2026-12-05T00:00:00Z', description: 'Created before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}

export class DeviceScopedPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One device; by default every device of the caller' })
  @IsOptional()
  @IsUUID('all', { message: 'deviceId must be a UUID' })
  deviceId?: string;
}

export class ChatDto {
  @ApiProperty({ example: '4915112345678@c.us' })
  chatId!: string;

  @ApiProperty({ format: 'uuid' })
  deviceId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'Alice' })
  name!: string | null;

  @ApiProperty({ type: MessageDto, nullable: true })
  lastMessage!: MessageDto | null;
}

export class ChatPageDto {
  @ApiProperty({ type: [ChatDto] })
  items!: ChatDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ChatIdParamDto {
  @ApiProperty({ example: '4915112345678@c.us' })
  @IsString()
  @Length(3, 128)
  chatId!: string;
}

export function mapMessage(m: MessageEntity): MessageDto {
  return {
    id: m.id,
    deviceId: m.deviceId,
    userId: m.userId,
    chatId: m.chatId,
    direction: m.direction,
    body: m.body,
    status: m.status,
    error: m.error,
    source: m.source,
    senderId: m.senderId,
    waMessageId: m.waMessageId,
    createdAt: new Date(m.createdAt).toISOString(),
    updatedAt: new Date(m.updatedAt).toISOString(),
  };
}
