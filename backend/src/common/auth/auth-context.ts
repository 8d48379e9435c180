import { Permission } from './permission';

/** Claims taken from a verified access token (built-in issuer or Auth0). */
export interface TokenClaims {
  sub: string;
  tenantId: string;
  /** Absent in Auth0 tokens that identify the user by `sub` only. */
  userId: string | null;
  groupId: string | null;
  jti: string | null;
}

/**
 * Who is calling, resolved by the AuthGuard from the token and the database (through the Redis cache).
 * `groupId` and `permissions` are the user's current ones, not the ones in the token, so a change of group
 * or a deletion applies to the very next request.
 */
export interface AuthContext {
  tenantId: string;
  userId: string;
  groupId: string;
  username: string;
  permissions: ReadonlySet<Permission>;
}
