import { AuditLogEntity } from '../modules/audit/audit-log.entity';
import { MessageEntity } from '../modules/messaging/message.entity';
import { RefreshTokenEntity } from '../modules/identity/refresh-token.entity';
import { SigningKeyEntity } from '../modules/identity/signing-key.entity';
import { TenantEntity } from '../modules/tenants/tenant.entity';
import { UserGroupEntity } from '../modules/users/user-group.entity';
import { UserEntity } from '../modules/users/user.entity';
import { DeviceEntity } from '../modules/whatsapp/devices/device.entity';
import { WahaServerEntity } from '../modules/whatsapp/waha/waha-server.entity';
import { WebhookInboxEntity } from '../modules/whatsapp/webhooks/webhook-inbox.entity';

export const ENTITIES = [
  TenantEntity,
  UserGroupEntity,
  UserEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  AuditLogEntity,
  WahaServerEntity,
  DeviceEntity,
  WebhookInboxEntity,
  MessageEntity,
];
