import { Global, Module } from '@nestjs/common';
import { AccessCache } from './auth/access-cache';
import { TenantDatabase } from './database/tenant-database';

/** Cross-cutting providers every feature module uses. */
@Global()
@Module({
  providers: [TenantDatabase, AccessCache],
  exports: [TenantDatabase, AccessCache],
})
export class CommonModule {}
