import type { Permission } from '@/api/types';

export const PERMISSION_LABELS: Record<Permission, { label: string; description: string }> = {
  'users:manage': { label: 'Manage users', description: 'Create, move and delete users; read the audit log' },
  'groups:manage': {
    label: 'Manage user groups',
    description: 'Create and edit groups and their permissions',
  },
  'devices:link': { label: 'Link devices', description: 'Link, sync and unlink WhatsApp phones' },
  'messages:send': { label: 'Send messages', description: 'Send messages and reply in chats' },
  'logs:view': { label: 'View logs', description: 'Read messages, chats, contacts, groups and devices' },
  'tenants:manage': { label: 'Manage tenants', description: 'Platform operator: create tenants' },
};
