import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape of the API. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({
    description: 'A sentence, or one message per invalid field for validation errors',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['username must be 3-64 characters of letters, digits, dot, underscore or hyphen'],
  })
  message!: string | string[];

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiPropertyOptional({ description: 'Stable machine-readable code for some errors', example: 'LAST_ADMIN' })
  code?: string;

  @ApiProperty({
    description: 'Correlates the error with the server logs',
    example: 'b7c0f7f5-7a6e-4ad4-9a4e-0d2a1f0c9d11',
  })
  requestId!: string;
}
