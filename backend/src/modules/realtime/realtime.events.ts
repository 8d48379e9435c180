/** What the portal receives. Payloads carry ids and the caller's own tenant's data only. */
export const RealtimeEvent = {
  DeviceStatus: 'device.status',
  DeviceQr: 'device.qr',
  MessageCreated: 'message.created',
  MessageUpdated: 'message.updated',
  DirectorySynced: 'directory.synced',
} as const;

export const rooms = {
  /** Everyone of the tenant who may read logs (messages, device status, directory). */
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  /** One user (QR codes go only to the device's owner). */
  user: (tenantId: string, userId: string) => `tenant:${tenantId}:user:${userId}`,
};
