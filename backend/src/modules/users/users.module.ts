import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PasswordHasher } from './password-hasher.service';
import { UserGroupRepository } from './user-group.repository';
import { UserGroupsController } from './user-groups.controller';
import { UserGroupsService } from './user-groups.service';
import { UserRepository } from './user.repository';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [AuditModule],
  controllers: [UsersController, UserGroupsController],
  providers: [UsersService, UserGroupsService, UserRepository, UserGroupRepository, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
