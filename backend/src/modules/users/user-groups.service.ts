import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AccessCache } from '../../common/auth/access-cache';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { AppException } from '../../common/errors/app.exception';
import { AuditService } from '../audit/audit.service';
import { UserGroupRepository } from './user-group.repository';
import { UserRepository } from './user.repository';
import { CreateUserGroupDto, mapUserGroup, UpdateUserGroupDto, UserGroupResponseDto } from './users.dto';

const NAME_TAKEN = 'A user group with this name already exists';

@Injectable()
export class UserGroupsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly groups: UserGroupRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
    private readonly cache: AccessCache,
  ) {}

  async list(auth: AuthContext): Promise<UserGroupResponseDto[]> {
    const groups = await this.db.run(auth.tenantId, (tx) => this.groups.list(tx));
    return groups.map(mapUserGroup);
  }

  async create(auth: AuthContext, dto: CreateUserGroupDto): Promise<UserGroupResponseDto> {
    return this.db.run(auth.tenantId, async (tx) => {
      if (await this.groups.findByName(tx, dto.name)) throw new ConflictException(NAME_TAKEN);
      const group = await this.groups.insert(tx, {
        name: dto.name,
        permissions: dto.permissions,
        system: false,
      });
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'group.created',
        targetType: 'user_group',
        targetId: group.id,
        details: { name: group.name, permissions: group.permissions },
      });
      return mapUserGroup(group);
    });
  }

  async update(auth: AuthContext, groupId: string, dto: UpdateUserGroupDto): Promise<UserGroupResponseDto> {
    const result = await this.db.run(auth.tenantId, async (tx) => {
      const group = await this.groups.findById(tx, groupId, true);
      if (!group) throw new NotFoundException('User group not found');
      if (group.system) throw new AppException(409, 'SYSTEM_GROUP', 'System groups cannot be changed');
      if (dto.name && dto.name.toLowerCase() !== group.name.toLowerCase()) {
        if (await this.groups.findByName(tx, dto.name)) throw new ConflictException(NAME_TAKEN);
      }
      const changes = { name: dto.name ?? group.name, permissions: dto.permissions ?? group.permissions };
      await this.groups.update(tx, group.id, changes);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'group.changed',
        targetType: 'user_group',
        targetId: group.id,
        details: { before: { name: group.name, permissions: group.permissions }, after: changes },
      });
      return { ...group, ...changes };
    });
    await this.cache.invalidateGroup(auth.tenantId, groupId);
    return mapUserGroup(result);
  }

  async delete(auth: AuthContext, groupId: string): Promise<void> {
    await this.db.run(auth.tenantId, async (tx) => {
      const group = await this.groups.findById(tx, groupId, true);
      if (!group) throw new NotFoundException('User group not found');
      if (group.system) throw new AppException(409, 'SYSTEM_GROUP', 'System groups cannot be deleted');
      const members = await this.users.countInGroup(tx, group.id);
      if (members > 0) {
        throw new AppException(
          409,
          'GROUP_NOT_EMPTY',
          `Move the group's ${members} user(s) to another group first`,
        );
      }
      // Deleted users keep their row for history; park them in Viewers so the group row can go.
      const viewers = await this.groups.findByName(tx, 'Viewers');
      if (viewers) await this.users.reassignDeleted(tx, group.id, viewers.id);
      await this.groups.delete(tx, group.id);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'group.deleted',
        targetType: 'user_group',
        targetId: group.id,
        details: { name: group.name },
      });
    });
    await this.cache.invalidateGroup(auth.tenantId, groupId);
  }
}
