import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { CreatedTenantDto, CreateTenantDto, TenantResponseDto } from './tenants.dto';
import { TenantsService } from './tenants.service';

@ApiTags('Tenants')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly service: TenantsService) {}

  @Post()
  @Authenticated(Permission.TenantsManage)
  @ApiOperation({
    summary: 'Create a tenant (platform operator)',
    description: 'Seeds the Admins, Editors and Viewers groups and the first Admin.',
  })
  @ApiCreatedResponse({ type: CreatedTenantDto })
  @ApiErrors(400, 409, 429)
  create(@Auth() auth: AuthContext, @Body() dto: CreateTenantDto): Promise<CreatedTenantDto> {
    return this.service.create(auth, dto);
  }

  @Get()
  @Authenticated(Permission.TenantsManage)
  @ApiOperation({ summary: 'List every tenant (platform operator)' })
  @ApiOkResponse({ type: [TenantResponseDto] })
  @ApiErrors(429)
  list(): Promise<TenantResponseDto[]> {
    return this.service.list();
  }
}
