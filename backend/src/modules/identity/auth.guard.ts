import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthContext, TokenClaims } from '../../common/auth/auth-context';
import { AUTHENTICATED_KEY, AuthRequirement, PUBLIC_KEY } from '../../common/auth/auth.decorators';
import { AccessService } from './access.service';
import { JwtStrategy } from './jwt.strategy';

interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  auth?: AuthContext;
}

/**
 * Global guard, deny by default. A route is reachable only if it is @Public() or declares @Authenticated();
 * then the token must pass JwtStrategy, the user must still exist, and the user's current group must hold one
 * of the required permissions.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // the realtime gateway authenticates its own handshakes
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(
      AUTHENTICATED_KEY,
      targets,
    );
    if (!requirement) {
      this.logger.error({ handler: context.getHandler().name }, 'Route declares no access policy; denied');
      throw new ForbiddenException('Access denied');
    }

    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const claims: TokenClaims | null = await this.strategy.verify(request.headers);
    const auth = claims ? await this.access.resolve(claims) : null;
    if (!auth) throw new UnauthorizedException('Invalid or expired access token');
    request.auth = auth;

    if (requirement.anyOf.length > 0 && !requirement.anyOf.some((p) => auth.permissions.has(p))) {
      throw new ForbiddenException(`Missing permission: ${requirement.anyOf.join(' or ')}`);
    }
    return true;
  }
}
