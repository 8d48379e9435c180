import { ExecutionContext, ForbiddenException, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AuthContext, TokenClaims } from '../../common/auth/auth-context';
import { Authenticated, Public } from '../../common/auth/auth.decorators';
import { Permission } from '../../common/auth/permission';
import { AccessService } from './access.service';
import { AuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const GROUP = '33333333-3333-4333-8333-333333333333';

class RoutesController {
  @Public()
  open(): void {}

  @Authenticated()
  anyUser(): void {}

  @Authenticated(Permission.UsersManage, Permission.GroupsManage)
  usersOrGroups(): void {}

  undeclared(): void {}
}

@Public()
class PublicController {
  health(): void {}
}

@Authenticated(Permission.LogsView)
class LogsController {
  list(): void {}

  @Authenticated(Permission.TenantsManage)
  purge(): void {}

  @Public()
  summary(): void {}
}

type Handler = keyof RoutesController | keyof PublicController | keyof LogsController;

interface FakeRequest {
  headers: Record<string, string | undefined>;
  auth?: AuthContext;
}

/**
 * JwtStrategy.verify stand-in: "Bearer good-<userKey>" is a valid token of that user, anything else is
 * what the real strategy answers for a missing or invalid token (null).
 */
class FakeStrategy {
  calls = 0;
  async verify(headers: Record<string, string | string[] | undefined>): Promise<TokenClaims | null> {
    this.calls++;
    const match = /^Bearer good-(\w+)$/.exec(String(headers.authorization ?? ''));
    if (!match) return null;
    return { sub: match[1]!, tenantId: TENANT, userId: USER, groupId: null, jti: null };
  }
}

/** AccessService.resolve stand-in: the user's current permissions, or null for a deleted user. */
class FakeAccess {
  calls: TokenClaims[] = [];
  users: Record<string, Permission[] | null> = {
    admin: [Permission.UsersManage, Permission.GroupsManage, Permission.LogsView],
    groups: [Permission.GroupsManage],
    viewer: [Permission.LogsView],
    nobody: [],
    deleted: null,
  };
  async resolve(claims: TokenClaims): Promise<AuthContext | null> {
    this.calls.push(claims);
    const permissions = this.users[claims.sub];
    if (!permissions) return null;
    return {
      tenantId: TENANT,
      userId: USER,
      groupId: GROUP,
      username: claims.sub,
      permissions: new Set(permissions),
    };
  }
}

describe('AuthGuard', () => {
  let strategy: FakeStrategy;
  let access: FakeAccess;
  let guard: AuthGuard;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  beforeEach(() => {
    strategy = new FakeStrategy();
    access = new FakeAccess();
    guard = new AuthGuard(
      new Reflector(),
      strategy as unknown as JwtStrategy,
      access as unknown as AccessService,
    );
  });

  function context(
    controller: new () => object,
    handler: Handler,
    authorization?: string,
  ): { ctx: ExecutionContext; request: FakeRequest } {
    const request: FakeRequest = { headers: authorization ? { authorization } : {} };
    const method = (controller.prototype as Record<string, () => void>)[handler];
    if (!method) throw new Error(`${controller.name} has no ${handler}`);
    return { ctx: new ExecutionContextHost([request, {}, () => undefined], controller, method), request };
  }

  function run(controller: new () => object, handler: Handler, authorization?: string) {
    const { ctx, request } = context(controller, handler, authorization);
    return { result: guard.canActivate(ctx), request };
  }

  describe('@Public()', () => {
    it('lets a request without a token through without verifying anything', async () => {
      const { result, request } = run(RoutesController, 'open');
      await expect(result).resolves.toBe(true);
      expect(strategy.calls).toBe(0);
      expect(request.auth).toBeUndefined();
    });

    it('applies to every handler of a @Public() class', async () => {
      await expect(run(PublicController, 'health').result).resolves.toBe(true);
      expect(strategy.calls).toBe(0);
    });

    it('on a handler overrides the policy of its class', async () => {
      await expect(run(LogsController, 'summary').result).resolves.toBe(true);
      expect(strategy.calls).toBe(0);
    });
  });

  describe('a route that declares no policy', () => {
    it('is 403 without a token', async () => {
      await expect(run(RoutesController, 'undeclared').result).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('is 403 even with a valid token of a user holding every permission', async () => {
      const { result, request } = run(RoutesController, 'undeclared', 'Bearer good-admin');
      await expect(result).rejects.toBeInstanceOf(ForbiddenException);
      expect(strategy.calls).toBe(0);
      expect(request.auth).toBeUndefined();
    });
  });

  describe('@Authenticated()', () => {
    it('is 401 without a token', async () => {
      const { result, request } = run(RoutesController, 'anyUser');
      await expect(result).rejects.toBeInstanceOf(UnauthorizedException);
      expect(access.calls).toHaveLength(0);
      expect(request.auth).toBeUndefined();
    });

    it('is 401 with a token the strategy rejects', async () => {
      for (const header of ['Bearer forged', 'Basic good-admin', 'good-admin']) {
        const { result } = run(RoutesController, 'anyUser', header);
        await expect(result).rejects.toBeInstanceOf(UnauthorizedException);
      }
      expect(access.calls).toHaveLength(0);
    });

    it('is 401 with a valid token of a user who no longer exists', async () => {
      const { result, request } = run(RoutesController, 'anyUser', 'Bearer good-deleted');
      await expect(result).rejects.toBeInstanceOf(UnauthorizedException);
      expect(access.calls.map((c) => c.sub)).toEqual(['deleted']);
      expect(request.auth).toBeUndefined();
    });

    it('lets any signed-in user through and sets request.auth from AccessService', async () => {
      const { result, request } = run(RoutesController, 'anyUser', 'Bearer good-nobody');
      await expect(result).resolves.toBe(true);
      expect(access.calls).toEqual([
        { sub: 'nobody', tenantId: TENANT, userId: USER, groupId: null, jti: null },
      ]);
      expect(request.auth).toEqual({
        tenantId: TENANT,
        userId: USER,
        groupId: GROUP,
        username: 'nobody',
        permissions: new Set(),
      });
    });
  });

  describe('@Authenticated(X, Y): any one of the permissions', () => {
    it('admits a user holding both', async () => {
      await expect(run(RoutesController, 'usersOrGroups', 'Bearer good-admin').result).resolves.toBe(true);
    });

    it('admits a user holding only the second one', async () => {
      const { result, request } = run(RoutesController, 'usersOrGroups', 'Bearer good-groups');
      await expect(result).resolves.toBe(true);
      expect(request.auth?.username).toBe('groups');
    });

    it('is 403 for a user holding neither, naming the permissions', async () => {
      const { result } = run(RoutesController, 'usersOrGroups', 'Bearer good-viewer');
      await expect(result).rejects.toThrow(
        new ForbiddenException('Missing permission: users:manage or groups:manage'),
      );
    });

    it('is 403 for a user with no permissions at all', async () => {
      await expect(
        run(RoutesController, 'usersOrGroups', 'Bearer good-nobody').result,
      ).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('is 401, not 403, for a deleted user', async () => {
      await expect(
        run(RoutesController, 'usersOrGroups', 'Bearer good-deleted').result,
      ).rejects.toBeInstanceOf(UnauthorizedException);
    });

    it('takes the class policy when the handler declares none, and the handler policy over the class', async () => {
      await expect(run(LogsController, 'list', 'Bearer good-viewer').result).resolves.toBe(true);
      await expect(run(LogsController, 'list', 'Bearer good-groups').result).rejects.toBeInstanceOf(
        ForbiddenException,
      );
      // The handler asks for tenants:manage only; the class's logs:view is not enough.
      await expect(run(LogsController, 'purge', 'Bearer good-admin').result).rejects.toBeInstanceOf(
        ForbiddenException,
      );
    });
  });

  it('leaves non-HTTP contexts (the realtime gateway authenticates its own handshakes) alone', async () => {
    const { ctx } = context(RoutesController, 'undeclared');
    (ctx as ExecutionContextHost).setType('ws');
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(strategy.calls).toBe(0);
  });
});
