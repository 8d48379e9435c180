import { AuthContext } from '../../common/auth/auth-context';
import { LoginDto, TokenResponseDto } from './auth.dto';

/** Injection token of the TokenIssuer chosen by AUTH_MODE. */
export const TOKEN_ISSUER = Symbol('TOKEN_ISSUER');

/** One message for every login refusal (unknown tenant, unknown user, wrong password, wrong tenant). */
export const INVALID_LOGIN = 'Invalid tenant, username or password';
export const INVALID_REFRESH = 'Invalid or expired refresh token';

export type LoginOutcome =
  | { outcome: 'signed_in'; tenantId: string; userId: string; tokens: TokenResponseDto }
  | {
      outcome: 'refused';
      /** The tenant the attempt is recorded in (the one the slug names), if any. */
      tenantId: string | null;
      userId: string | null;
      /** For the audit log only; the client always gets INVALID_LOGIN. */
      reason: string;
    };

/**
 * Where POST /auth/login, /auth/refresh and /auth/logout get their tokens: the built-in issuer
 * (AUTH_MODE=local) or Auth0 (AUTH_MODE=auth0). The public contract is the same for both; AuthService adds
 * what they share (login throttle, login audit). Either way the access tokens are verified by JwtStrategy.
 */
export interface TokenIssuer {
  /** Checks the credentials and issues tokens, or says why not (never throws for bad credentials). */
  login(dto: LoginDto, ip: string): Promise<LoginOutcome>;
  /** New tokens for a refresh token; 401 INVALID_REFRESH when it is refused. */
  refresh(refreshToken: string): Promise<TokenResponseDto>;
  /** Ends the session the refresh token belongs to. */
  logout(auth: AuthContext, refreshToken: string): Promise<void>;
}
