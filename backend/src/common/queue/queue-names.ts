/** BullMQ queues. Job payloads always carry `tenantId`; processors re-check it against the database. */
export const QueueName = {
  /** Verified WAHA webhook events waiting to take effect (inbox rows). */
  WahaEvents: 'waha-events',
  /** Device watchdogs and WAHA server checks. */
  DeviceMaintenance: 'device-maintenance',
  /** Contacts, chat groups and recent history pulled from WAHA. */
  DirectorySync: 'directory-sync',
  /** Outgoing messages. */
  Messages: 'messages',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];
