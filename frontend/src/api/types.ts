/** Friendly names for the generated schema types (src/api/generated is never edited by hand). */
import type { components } from './generated/schema';

type Schemas = components['schemas'];

export type ErrorBody = Schemas['ErrorResponseDto'];
export type Tokens = Schemas['TokenResponseDto'];
export type Me = Schemas['MeResponseDto'];
export type Permission = Me['permissions'][number];
export type TenantPermission = Schemas['CreateUserGroupDto']['permissions'][number];

export type Device = Schemas['DeviceResponseDto'];
export type CreatedDevice = Schemas['CreatedDeviceDto'];
export type DeviceStatus = Device['status'];
export type Qr = Schemas['QrDto'];

export type Message = Schemas['MessageDto'];
export type MessageStatus = Message['status'];
export type MessageDirection = Message['direction'];
export type SendAccepted = Schemas['SendAcceptedDto'];
export type Chat = Schemas['ChatDto'];

export type Contact = Schemas['ContactDto'];
export type ChatGroup = Schemas['GroupDto'];
export type Participant = Schemas['ParticipantDto'];

export type User = Schemas['UserResponseDto'];
export type UserGroup = Schemas['UserGroupResponseDto'];
export type AuditEntry = Schemas['AuditLogItemDto'];
export type Tenant = Schemas['TenantResponseDto'];
export type CreatedTenant = Schemas['CreatedTenantDto'];

/** Every keyset-paginated list answers with this shape. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'received',
];

export const TENANT_PERMISSIONS: readonly TenantPermission[] = [
  'users:manage',
  'groups:manage',
  'devices:link',
  'messages:send',
  'logs:view',
];
