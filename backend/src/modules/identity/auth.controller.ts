import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, Authenticated, Public } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { LoginDto, MeResponseDto, RefreshTokenDto, RotatedKeyDto, TokenResponseDto } from './auth.dto';
import { AuthService } from './auth.service';
import { SigningKeyService } from './signing-key.service';

@ApiTags('Identity')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly service: AuthService,
    private readonly keys: SigningKeyService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with tenant slug, username and password',
    description: 'Rate limited per client IP and per tenant+username (429 with Retry-After).',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ description: 'Invalid tenant, username or password', type: ErrorResponseDto })
  @ApiErrors(400, 429, 503)
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<TokenResponseDto> {
    return this.service.login(dto, ip);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description:
      'The presented token is spent. Presenting a spent token again revokes its whole family, including the newest token.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Invalid, expired, revoked or reused refresh token',
    type: ErrorResponseDto,
  })
  @ApiErrors(400, 429)
  refresh(@Body() dto: RefreshTokenDto): Promise<TokenResponseDto> {
    return this.service.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: "Sign out: revokes the refresh token's whole family" })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiErrors(400, 429)
  async logout(@Auth() auth: AuthContext, @Body() dto: RefreshTokenDto): Promise<void> {
    await this.service.logout(auth, dto.refreshToken);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The caller, with their current group and permissions' })
  @ApiOkResponse({ type: MeResponseDto })
  @ApiErrors(429)
  me(@Auth() auth: AuthContext): MeResponseDto {
    return this.service.me(auth);
  }

  @Post('signing-keys/rotate')
  @Authenticated(Permission.TenantsManage)
  @ApiOperation({
    summary: "Rotate the built-in issuer's signing key (platform operator)",
    description:
      'New tokens are signed with a new key; the old key stays in the JWKS until its tokens have expired.',
  })
  @ApiCreatedResponse({ type: RotatedKeyDto })
  @ApiErrors(429)
  async rotateSigningKey(): Promise<RotatedKeyDto> {
    return { kid: await this.keys.rotate() };
  }
}
