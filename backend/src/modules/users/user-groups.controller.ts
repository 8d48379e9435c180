import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, Authenticated } from '../../common/auth/auth.decorators';
import { AuthContext } from '../../common/auth/auth-context';
import { Permission } from '../../common/auth/permission';
import { ApiErrors } from '../../common/errors/api-errors.decorator';
import { IdParamDto } from '../../common/validation/uuid-param.dto';
import { UserGroupsService } from './user-groups.service';
import { CreateUserGroupDto, UpdateUserGroupDto, UserGroupResponseDto } from './users.dto';

@ApiTags('User groups')
@Controller('user-groups')
export class UserGroupsController {
  constructor(private readonly service: UserGroupsService) {}

  @Get()
  @Authenticated(Permission.GroupsManage, Permission.UsersManage)
  @ApiOperation({ summary: 'List permission groups of the tenant' })
  @ApiOkResponse({ type: [UserGroupResponseDto] })
  @ApiErrors(429)
  list(@Auth() auth: AuthContext): Promise<UserGroupResponseDto[]> {
    return this.service.list(auth);
  }

  @Post()
  @Authenticated(Permission.GroupsManage)
  @ApiOperation({ summary: 'Create a custom permission group' })
  @ApiCreatedResponse({ type: UserGroupResponseDto })
  @ApiErrors(400, 409, 429)
  create(@Auth() auth: AuthContext, @Body() dto: CreateUserGroupDto): Promise<UserGroupResponseDto> {
    return this.service.create(auth, dto);
  }

  @Patch(':id')
  @Authenticated(Permission.GroupsManage)
  @ApiOperation({
    summary: 'Rename a custom group or change its permissions',
    description:
      'Members get the new permissions on their next request. System groups cannot be changed (409).',
  })
  @ApiOkResponse({ type: UserGroupResponseDto })
  @ApiErrors(400, 404, 409, 429)
  update(
    @Auth() auth: AuthContext,
    @Param() { id }: IdParamDto,
    @Body() dto: UpdateUserGroupDto,
  ): Promise<UserGroupResponseDto> {
    return this.service.update(auth, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated(Permission.GroupsManage)
  @ApiOperation({
    summary: 'Delete an empty custom group',
    description: 'System groups and groups with users: 409.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, 409, 429)
  async delete(@Auth() auth: AuthContext, @Param() { id }: IdParamDto): Promise<void> {
    await this.service.delete(auth, id);
  }
}
