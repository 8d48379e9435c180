import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { AuditLogPageDto, AuditLogQueryDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('Audit')
@Controller('audit-logs')
export class AuditController {
  constructor(private readonly service: AuditService) {}

  @Get()
  @Authenticated(Permission.UsersManage)
  @ApiOperation({
    summary: 'Audit trail of the tenant',
    description:
      'Logins, failed logins, user and group changes, tenant creation; newest first, keyset-paginated.',
  })
  @ApiOkResponse({ type: AuditLogPageDto })
  @ApiErrors(400, 429)
  list(@Auth() auth: AuthContext, @Query() query: AuditLogQueryDto): Promise<AuditLogPageDto> {
    return this.service.list(auth, query);
  }
}
