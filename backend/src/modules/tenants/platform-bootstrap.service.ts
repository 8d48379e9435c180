import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { TenantDatabase } from '../../common/database/tenant-database';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersService } from '../users/users.service';
import { TenantsService } from './tenants.service';
import { PLATFORM_SLUG } from './tenants.dto';

/**
 * Makes sure the platform tenant and its operator exist, from PLATFORM_ADMIN_USERNAME/PASSWORD. The
 * environment stays the source of truth: a changed password is applied at the next start.
 */
@Injectable()
export class PlatformBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PlatformBootstrapService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { username, password, isDevelopmentDefault } = this.config.platformAdmin;
    try {
      await this.ensure(username, password);
    } catch (error) {
      // Another instance created it at the same moment: the second pass finds it.
      if ((error as { code?: string }).code !== '23505') throw error;
      await this.ensure(username, password);
    }
    if (isDevelopmentDefault && this.config.env === 'development') {
      process.stderr.write(
        `\n  Platform operator (development default): tenant "${PLATFORM_SLUG}", username "${username}", password "${password}"\n` +
          `  Set PLATFORM_ADMIN_PASSWORD to choose your own.\n\n`,
      );
    }
  }

  private async ensure(username: string, password: string): Promise<void> {
    const existing = await this.tenants.findBySlug(PLATFORM_SLUG);
    if (!existing) {
      const hash = await this.hasher.hash(password);
      await this.db.run(randomUUID(), (tx) =>
        this.tenants.provision(
          tx,
          { name: 'Platform', slug: PLATFORM_SLUG, isPlatform: true },
          username,
          hash,
          null,
        ),
      );
      this.logger.log('Created the platform tenant and its operator');
      return;
    }
    await this.db.run(existing.id, async (tx) => {
      const user = await this.users.findForLogin(tx, username);
      if (!user) {
        const admins = await this.users.adminGroupId(tx);
        if (!admins) throw new Error('The platform tenant has no Admins group');
        await this.users.insertUser(tx, {
          username,
          passwordHash: await this.hasher.hash(password),
          groupId: admins,
        });
        this.logger.log('Created the platform operator');
      } else if (!(await this.hasher.verify(password, user.passwordHash))) {
        await this.users.updatePasswordHash(tx, user.id, await this.hasher.hash(password));
        this.logger.log('Updated the platform operator password from the environment');
      }
    });
  }
}
