import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length } from 'class-validator';
import { DeviceScopedPageQueryDto } from '../messaging/messaging.dto';

export class DirectoryQueryDto extends DeviceScopedPageQueryDto {
  @ApiPropertyOptional({ example: 'ali', description: 'Part of the name or phone number (case-insensitive)' })
  @IsOptional()
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(1, 64, { message: 'search must be 1-64 characters' })
  search?: string;
}

export class ContactDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  deviceId!: string;

  @ApiProperty({
    example: '4915112345678@c.us',
    description: 'Phone chat id, or `…@lid` while the number is unknown',
  })
  chatId!: string;

  @ApiProperty({ nullable: true, type: String, example: '4915112345678' })
  phoneNumber!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Alice Example' })
  name!: string | null;
}

export class ContactPageDto {
  @ApiProperty({ type: [ContactDto] })
  items!: ContactDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ParticipantDto {
  @ApiProperty({ example: '4915112345678@c.us' })
  chatId!: string;

  @ApiProperty({ nullable: true, type: String, example: '4915112345678' })
  phoneNumber!: string | null;

  @ApiProperty()
  isAdmin!: boolean;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  deviceId!: string;

  @ApiProperty({ example: '120363012345678901@g.us' })
  chatId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'Team' })
  name!: string | null;

  @ApiProperty({ type: [ParticipantDto] })
  participants!: ParticipantDto[];
}

export class GroupPageDto {
  @ApiProperty({ type: [GroupDto] })
  items!: GroupDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
