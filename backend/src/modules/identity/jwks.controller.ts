import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../common/auth/auth.decorators';
import { JwksDto } from './auth.dto';
import { SigningKeyService } from './signing-key.service';

@ApiTags('Identity')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get('jwks.json')
  @Public()
  @SkipThrottle()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys of the built-in issuer (JWKS)' })
  @ApiOkResponse({ type: JwksDto })
  async jwks(): Promise<JwksDto> {
    return { keys: (await this.keys.publishedJwks()) as JwksDto['keys'] };
  }
}
