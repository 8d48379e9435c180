/** Permission strings carried by user groups. `resource:action`, checked by the global AuthGuard. */
export enum Permission {
  UsersManage = 'users:manage',
  GroupsManage = 'groups:manage',
  DevicesLink = 'devices:link',
  MessagesSend = 'messages:send',
  LogsView = 'logs:view',
  /** Platform operator only: never grantable inside an ordinary tenant. */
  TenantsManage = 'tenants:manage',
}

/** The permissions a tenant may put into its own groups. */
export const TENANT_PERMISSIONS: readonly Permission[] = [
  Permission.UsersManage,
  Permission.GroupsManage,
  Permission.DevicesLink,
  Permission.MessagesSend,
  Permission.LogsView,
];

export const SYSTEM_GROUPS = {
  Admins: [...TENANT_PERMISSIONS],
  Editors: [Permission.DevicesLink, Permission.MessagesSend, Permission.LogsView],
  Viewers: [Permission.LogsView],
} as const satisfies Record<string, readonly Permission[]>;

export type SystemGroupName = keyof typeof SYSTEM_GROUPS;
export const ADMIN_GROUP: SystemGroupName = 'Admins';
