import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { PlatformBootstrapService } from './platform-bootstrap.service';
import { TenantRepository } from './tenant.repository';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({
  imports: [UsersModule, AuditModule],
  controllers: [TenantsController],
  providers: [TenantsService, TenantRepository, PlatformBootstrapService],
  exports: [TenantsService],
})
export class TenantsModule {}
