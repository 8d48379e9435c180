import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (field-level messages)',
  404: 'Not found, or it belongs to another tenant',
  409: 'Conflict with the current state',
  413: 'Request body too large',
  422: 'Request conflicts with an earlier request using the same Idempotency-Key',
  429: 'Rate limited; see Retry-After',
  502: 'WAHA answered with an error',
  503: 'A dependency (WAHA, database or Redis) is unavailable',
};

/** Documents error responses with the shared error schema. 401/403 come from @Authenticated(). */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorResponseDto }),
    ),
  );
}
