import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AuthContext } from './auth-context';
import { Permission } from './permission';

export const PUBLIC_KEY = 'auth:public';
export const AUTHENTICATED_KEY = 'auth:requirement';

export interface AuthRequirement {
  /** The caller needs at least one of these; an empty list means any authenticated user. */
  anyOf: Permission[];
}

/** Opens a route to anonymous callers. Only login, refresh, JWKS, health, docs and webhooks use it. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * Declares who may call a route. Every non-public route must carry it: the global guard denies routes
 * that declare nothing, so a forgotten decorator fails closed.
 */
export function Authenticated(...anyOf: Permission[]): MethodDecorator & ClassDecorator {
  const requirement: AuthRequirement = { anyOf };
  const permissionText = anyOf.length
    ? `Requires ${anyOf.map((p) => `\`${p}\``).join(' or ')}.`
    : 'Any signed-in user.';
  return applyDecorators(
    SetMetadata(AUTHENTICATED_KEY, requirement),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      type: ErrorResponseDto,
    }),
    ...(anyOf.length
      ? [
          ApiForbiddenResponse({
            description: `Permission missing. ${permissionText}`,
            type: ErrorResponseDto,
          }),
        ]
      : []),
  );
}

/** The AuthContext of the current request (set by the AuthGuard). */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const request = ctx.switchToHttp().getRequest<{ auth?: AuthContext }>();
  if (!request.auth) {
    // Reaching this means a route without @Authenticated() asked for the caller: a programming error.
    throw new Error('Auth() used on a route that is not authenticated');
  }
  return request.auth;
});
