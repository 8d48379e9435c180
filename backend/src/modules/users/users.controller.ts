import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
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
import { UserIdParamDto } from '../../common/validation/uuid-param.dto';
import { ChangeUserGroupDto, CreateUserDto, UserResponseDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('Users')
@Controller('users')
export class UsersController {
  constructor(private readonly service: UsersService) {}

  @Post()
  @Authenticated(Permission.UsersManage)
  @ApiOperation({ summary: "Create a user in the caller's tenant" })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(400, 404, 409, 429)
  create(@Auth() auth: AuthContext, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.service.create(auth, dto);
  }

  @Get()
  @Authenticated(Permission.UsersManage)
  @ApiOperation({ summary: "List the tenant's users" })
  @ApiOkResponse({ type: [UserResponseDto] })
  @ApiErrors(429)
  list(@Auth() auth: AuthContext): Promise<UserResponseDto[]> {
    return this.service.list(auth);
  }

  @Get(':userId')
  @Authenticated(Permission.UsersManage)
  @ApiOperation({ summary: 'Get one user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 404, 429)
  get(@Auth() auth: AuthContext, @Param() { userId }: UserIdParamDto): Promise<UserResponseDto> {
    return this.service.get(auth, userId);
  }

  @Put(':userId/group')
  @Authenticated(Permission.UsersManage)
  @ApiOperation({
    summary: 'Move a user to another group',
    description:
      "Applies to the user's next request, even with a token issued before. The last Admin cannot be moved (409).",
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 404, 409, 429)
  changeGroup(
    @Auth() auth: AuthContext,
    @Param() { userId }: UserIdParamDto,
    @Body() dto: ChangeUserGroupDto,
  ): Promise<UserResponseDto> {
    return this.service.changeGroup(auth, userId, dto.groupId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Authenticated(Permission.UsersManage)
  @ApiOperation({
    summary: 'Delete a user',
    description: 'Their sessions end at once; their history stays. The last Admin cannot be deleted (409).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, 409, 429)
  async delete(@Auth() auth: AuthContext, @Param() { userId }: UserIdParamDto): Promise<void> {
    await this.service.delete(auth, userId);
  }
}
