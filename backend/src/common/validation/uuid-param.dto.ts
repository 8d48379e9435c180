import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class IdParamDto {
  @ApiProperty({ format: 'uuid', example: '2f1c6a3e-8a57-4c1e-9d7a-0b1f2e3d4c5b' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}

export class UserIdParamDto {
  @ApiProperty({ format: 'uuid', example: '2f1c6a3e-8a57-4c1e-9d7a-0b1f2e3d4c5b' })
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId!: string;
}
