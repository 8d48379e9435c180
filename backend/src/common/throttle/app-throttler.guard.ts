import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthContext } from '../auth/auth-context';

/**
 * General rate limit, shared across instances through Redis: per user once authenticated (so users behind
 * one NAT do not starve each other), per client IP for anonymous routes. Runs after the AuthGuard.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const auth = req.auth as AuthContext | undefined;
    return auth ? `user:${auth.tenantId}:${auth.userId}` : `ip:${String(req.ip)}`;
  }
}
