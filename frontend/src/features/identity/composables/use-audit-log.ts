import { ref } from 'vue';
import { client, unwrap } from '@/api/client';
import type { AuditEntry } from '@/api/types';
import { usePagedQuery } from '@/composables/use-paged-query';

/** The tenant's audit trail, newest first, keyset-paginated, optionally one action only. */
export function useAuditLog() {
  const action = ref<string | null>(null);
  const list = usePagedQuery<AuditEntry, string | null>(
    action,
    (a, cursor) =>
      unwrap(client.GET('/audit-logs', { params: { query: { action: a ?? undefined, limit: 50, cursor } } })),
    { errorContext: 'Could not load the audit log' },
  );
  return { action, ...list };
}

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_reuse_detected',
  'user.created',
  'user.provisioned',
  'user.group_changed',
  'user.deleted',
  'group.created',
  'group.changed',
  'group.deleted',
  'device.created',
  'device.deleted',
  'message.sent',
  'tenant.created',
];
