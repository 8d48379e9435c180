import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/cursor';
import { AuditLogEntity } from './audit-log.entity';

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'auth.login_failed', description: 'Only entries with this action' })
  @IsOptional()
  @Matches(/^[a-z_]+\.[a-z_]+$/, { message: 'action must look like "resource.verb"' })
  action?: string;
}

export class AuditLogItemDto {
  @ApiProperty({ example: '1042', description: 'Monotonic per tenant' })
  id!: string;

  @ApiProperty({ example: 'user.created' })
  action!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  actorUserId!: string | null;

  @ApiProperty({ example: 'user', nullable: true, type: String })
  targetType!: string | null;

  @ApiProperty({ example: '5b0e4d0e-3b64-4b61-9e59-6b1b8d2c1f7a', nullable: true, type: String })
  targetId!: string | null;

  @ApiProperty({ example: '203.0.113.7', nullable: true, type: String })
  ip!: string | null;

  @ApiProperty({ example: 'b7c0f7f5-7a6e-4ad4-9a4e-0d2a1f0c9d11', nullable: true, type: String })
  requestId!: string | null;

  @ApiProperty({ example: { username: 'alice', groupId: '…' }, type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;

  @ApiProperty({ example: '2026-12-04T10:00:00.000Z' })
  createdAt!: string;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditLogItemDto] })
  items!: AuditLogItemDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as cursor for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export function mapAuditLog(row: AuditLogEntity): AuditLogItemDto {
  return {
    id: String(row.id),
    action: row.action,
    actorUserId: row.actorUserId,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    requestId: row.requestId,
    details: row.details,
    createdAt: row.createdAt.toISOString(),
  };
}
