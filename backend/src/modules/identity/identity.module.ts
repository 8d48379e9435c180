import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { AccessTokensService } from './access-tokens.service';
import { AccessService } from './access.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokensService } from './refresh-tokens.service';
import { SigningKeyService } from './signing-key.service';

@Module({
  imports: [UsersModule, TenantsModule, AuditModule],
  controllers: [AuthController, JwksController],
  providers: [
    AuthService,
    AccessService,
    AccessTokensService,
    RefreshTokensService,
    RefreshTokenRepository,
    SigningKeyService,
    JwtStrategy,
    LoginThrottleService,
    AuthGuard,
  ],
  exports: [AuthGuard, AccessService, JwtStrategy],
})
export class IdentityModule {}
