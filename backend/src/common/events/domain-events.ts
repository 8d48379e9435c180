/**
 * Domain events between modules (in-process, @nestjs/event-emitter) and towards live updates. Payloads carry
 * ids and the minimum the portal needs; never secrets, never another tenant's data.
 */
export const DomainEvent = {
  UserDeleted: 'user.deleted',
  DeviceStatus: 'device.status',
  DeviceQr: 'device.qr',
  /** A device reached WORKING (first link or reconnect): time to sync its directory and history. */
  DeviceWorking: 'device.working',
  DeviceDeleted: 'device.deleted',
} as const;

export interface UserDeletedEvent {
  tenantId: string;
  userId: string;
}

export interface DeviceStatusEvent {
  tenantId: string;
  deviceId: string;
  userId: string;
  status: string;
  statusReason: string | null;
  phoneNumber: string | null;
}

export interface DeviceQrEvent {
  tenantId: string;
  deviceId: string;
  userId: string;
  qr: { value: string; image: string };
}

export interface DeviceWorkingEvent {
  tenantId: string;
  deviceId: string;
}

export interface DeviceDeletedEvent {
  tenantId: string;
  deviceId: string;
  userId: string;
}
