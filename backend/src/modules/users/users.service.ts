import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AccessCache } from '../../common/auth/access-cache';
import { AuthContext } from '../../common/auth/auth-context';
import { ADMIN_GROUP, Permission, SYSTEM_GROUPS, SystemGroupName } from '../../common/auth/permission';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { AppException } from '../../common/errors/app.exception';
import { DomainEvent, UserDeletedEvent } from '../../common/events/domain-events';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from './password-hasher.service';
import { UserGroupEntity } from './user-group.entity';
import { UserGroupRepository } from './user-group.repository';
import { UserEntity } from './user.entity';
import { NewUser, UserRepository } from './user.repository';
import { CreateUserDto, mapUser, UserResponseDto } from './users.dto';

const USERNAME_TAKEN = 'Username is already taken in this tenant';

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly users: UserRepository,
    private readonly groups: UserGroupRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly cache: AccessCache,
    private readonly events: EventEmitter2,
  ) {}

  async create(auth: AuthContext, dto: CreateUserDto): Promise<UserResponseDto> {
    // Hash outside the transaction: bcrypt takes ~200 ms and should not hold a pooled connection.
    const passwordHash = await this.hasher.hash(dto.password);
    return this.db.run(auth.tenantId, async (tx) => {
      const group = await this.groups.findById(tx, dto.groupId);
      if (!group) throw new NotFoundException('User group not found');
      if (await this.users.findByUsername(tx, dto.username)) throw new ConflictException(USERNAME_TAKEN);
      const user = await this.insertUser(tx, { username: dto.username, passwordHash, groupId: group.id });
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'user.created',
        targetType: 'user',
        targetId: user.id,
        details: { username: user.username, groupId: group.id, groupName: group.name },
      });
      return mapUser(user);
    });
  }

  async list(auth: AuthContext): Promise<UserResponseDto[]> {
    const users = await this.db.run(auth.tenantId, (tx) => this.users.list(tx));
    return users.map(mapUser);
  }

  async get(auth: AuthContext, userId: string): Promise<UserResponseDto> {
    const user = await this.db.run(auth.tenantId, (tx) => this.users.findById(tx, userId));
    if (!user) throw new NotFoundException('User not found');
    return mapUser(user);
  }

  async changeGroup(auth: AuthContext, userId: string, groupId: string): Promise<UserResponseDto> {
    const result = await this.db.run(auth.tenantId, async (tx) => {
      const user = await this.users.findById(tx, userId);
      if (!user) throw new NotFoundException('User not found');
      const group = await this.groups.findById(tx, groupId);
      if (!group) throw new NotFoundException('User group not found');
      if (user.groupId === group.id) return user;
      await this.assertNotLastAdmin(tx, user, 'moved out of Admins');
      await this.users.updateGroup(tx, user.id, group.id);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'user.group_changed',
        targetType: 'user',
        targetId: user.id,
        details: { fromGroupId: user.groupId, toGroupId: group.id, toGroupName: group.name },
      });
      return { ...user, groupId: group.id };
    });
    await this.cache.invalidateUser(auth.tenantId, userId);
    return mapUser(result);
  }

  async delete(auth: AuthContext, userId: string): Promise<void> {
    await this.db.run(auth.tenantId, async (tx) => {
      const user = await this.users.findById(tx, userId);
      if (!user) throw new NotFoundException('User not found');
      await this.assertNotLastAdmin(tx, user, 'deleted');
      await this.users.softDelete(tx, user.id);
      await this.audit.record(tx, {
        actorUserId: auth.userId,
        action: 'user.deleted',
        targetType: 'user',
        targetId: user.id,
        details: { username: user.username },
      });
    });
    await this.cache.invalidateUser(auth.tenantId, userId);
    const event: UserDeletedEvent = { tenantId: auth.tenantId, userId };
    await this.events.emitAsync(DomainEvent.UserDeleted, event);
  }

  /** Seeds Admins, Editors and Viewers in a new tenant and returns them by name. */
  async seedSystemGroups(
    tx: TenantTx,
    extraAdminPermissions: Permission[] = [],
  ): Promise<Record<SystemGroupName, string>> {
    const ids = {} as Record<SystemGroupName, string>;
    for (const [name, permissions] of Object.entries(SYSTEM_GROUPS) as [
      SystemGroupName,
      readonly Permission[],
    ][]) {
      const extra = name === ADMIN_GROUP ? extraAdminPermissions : [];
      const group = await this.groups.insert(tx, {
        name,
        permissions: [...permissions, ...extra],
        system: true,
      });
      ids[name] = group.id;
    }
    return ids;
  }

  /**
   * Inserts a user whose password is already hashed (or who has none and signs in through an external
   * issuer, linked by `authSubject`); 409 when the username is taken.
   */
  async insertUser(tx: TenantTx, user: NewUser): Promise<UserEntity> {
    try {
      return await this.users.insert(tx, user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(USERNAME_TAKEN);
      throw error;
    }
  }

  async adminGroupId(tx: TenantTx): Promise<string | null> {
    const group = await this.groups.findByName(tx, ADMIN_GROUP);
    return group?.system ? group.id : null;
  }

  findForLogin(tx: TenantTx, username: string): Promise<UserEntity | null> {
    return this.users.findByUsername(tx, username);
  }

  findById(tx: TenantTx, userId: string): Promise<UserEntity | null> {
    return this.users.findById(tx, userId);
  }

  findBySubject(tx: TenantTx, subject: string): Promise<UserEntity | null> {
    return this.users.findBySubject(tx, subject);
  }

  /** Like findBySubject, but also finds a deleted user (whose subject stays taken). */
  findLinkedUser(tx: TenantTx, subject: string): Promise<UserEntity | null> {
    return this.users.findLinked(tx, subject);
  }

  lockSubject(tx: TenantTx, subject: string): Promise<void> {
    return this.users.lockSubject(tx, subject);
  }

  findGroup(tx: TenantTx, groupId: string): Promise<UserGroupEntity | null> {
    return this.groups.findById(tx, groupId);
  }

  findGroupByName(tx: TenantTx, name: string): Promise<UserGroupEntity | null> {
    return this.groups.findByName(tx, name);
  }

  async groupPermissions(tx: TenantTx, groupId: string): Promise<Permission[] | null> {
    const group = await this.groups.findById(tx, groupId);
    return group ? group.permissions : null;
  }

  updatePasswordHash(tx: TenantTx, userId: string, passwordHash: string): Promise<void> {
    return this.users.updatePasswordHash(tx, userId, passwordHash);
  }

  /**
   * A tenant must keep at least one Admin. The Admins row is locked first, so two concurrent demotions of the
   * last two Admins are serialised and the second one sees a count of one.
   */
  private async assertNotLastAdmin(tx: TenantTx, user: UserEntity, verb: string): Promise<void> {
    const admins = await this.groups.findByName(tx, ADMIN_GROUP, true);
    if (!admins || !admins.system || user.groupId !== admins.id) return;
    if ((await this.users.countInGroup(tx, admins.id)) <= 1) {
      throw new AppException(409, 'LAST_ADMIN', `The last Admin of a tenant cannot be ${verb}`);
    }
  }
}
