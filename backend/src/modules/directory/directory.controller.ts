import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { ContactPageDto, DirectoryQueryDto, GroupPageDto } from './directory.dto';
import { DirectoryService } from './directory.service';

@ApiTags('Contacts and groups')
@Controller()
export class DirectoryController {
  constructor(private readonly service: DirectoryService) {}

  @Get('contacts')
  @Authenticated(Permission.LogsView)
  @ApiOperation({
    summary: "Contacts of the caller's devices (or of `deviceId`), by name",
    description:
      'Filled when a device reaches WORKING and on sync; `@lid` contacts carry their phone number once known.',
  })
  @ApiOkResponse({ type: ContactPageDto })
  @ApiErrors(400, 404, 429)
  contacts(@Auth() auth: AuthContext, @Query() query: DirectoryQueryDto): Promise<ContactPageDto> {
    return this.service.contactPage(auth, query);
  }

  @Get('groups')
  @Authenticated(Permission.LogsView)
  @ApiOperation({
    summary: "WhatsApp groups of the caller's devices (or of `deviceId`), with participants",
    description: "Kept current from WAHA's group events between syncs.",
  })
  @ApiOkResponse({ type: GroupPageDto })
  @ApiErrors(400, 404, 429)
  groups(@Auth() auth: AuthContext, @Query() query: DirectoryQueryDto): Promise<GroupPageDto> {
    return this.service.groupPage(auth, query);
  }
}
