import { FactoryProvider, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { AccessTokensService } from './access-tokens.service';
import { AccessService } from './access.service';
import { Auth0Client } from './auth0.client';
import { AUTH0_CLIENT, Auth0TokenIssuer } from './auth0-token-issuer';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { LocalTokenIssuer } from './local-token-issuer';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokensService } from './refresh-tokens.service';
import { SigningKeyService } from './signing-key.service';
import { SubjectLinkService } from './subject-link.service';
import { TOKEN_ISSUER, TokenIssuer } from './token-issuer';

const auth0ClientProvider: FactoryProvider<Auth0Client | null> = {
  provide: AUTH0_CLIENT,
  inject: [APP_CONFIG],
  useFactory: ({ auth }: AppConfig) =>
    auth.mode === 'auth0' && auth.auth0 ? new Auth0Client({ ...auth.auth0, audience: auth.audience }) : null,
};

/** The issuer behind /auth/login, /auth/refresh and /auth/logout; only the one AUTH_MODE picks is built. */
const tokenIssuerProvider: FactoryProvider<TokenIssuer> = {
  provide: TOKEN_ISSUER,
  inject: [APP_CONFIG, ModuleRef],
  useFactory: ({ auth }: AppConfig, moduleRef: ModuleRef): Promise<TokenIssuer> =>
    moduleRef.create<TokenIssuer>(auth.mode === 'auth0' ? Auth0TokenIssuer : LocalTokenIssuer),
};

@Module({
  imports: [UsersModule, TenantsModule, AuditModule],
  controllers: [AuthController, JwksController],
  providers: [
    AuthService,
    AccessService,
    SubjectLinkService,
    AccessTokensService,
    RefreshTokensService,
    RefreshTokenRepository,
    SigningKeyService,
    JwtStrategy,
    LoginThrottleService,
    AuthGuard,
    auth0ClientProvider,
    tokenIssuerProvider,
  ],
  exports: [AuthGuard, AccessService, JwtStrategy],
})
export class IdentityModule {}
