import type { Chat, Device, Me, Message } from '@/api/types';

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

export function makeMe(permissions: Me['permissions'] = ['logs:view'], overrides: Partial<Me> = {}): Me {
  return { userId: 'u-1', tenantId: 't-1', groupId: 'g-1', username: 'ann', permissions, ...overrides };
}

export function makeDevice(overrides: Partial<Device> = {}): Device {
  return {
    id: uuid(),
    name: 'Sales phone',
    status: 'WORKING',
    statusReason: null,
    phoneNumber: '4915112345678',
    active: false,
    userId: 'u-1',
    linkedAt: '2026-12-04T10:05:00.000Z',
    createdAt: '2026-12-04T10:00:00.000Z',
    ...overrides,
  };
}

export function makeMessage(overrides: Partial<Message> = {}): Message {
  return {
    id: uuid(),
    deviceId: 'd-1',
    userId: 'u-1',
    chatId: '4915112345678@c.us',
    direction: 'outbound',
    body: 'Hello',
    status: 'queued',
    error: null,
    source: 'api',
    senderId: null,
    waMessageId: null,
    createdAt: '2026-12-04T10:00:00.000Z',
    updatedAt: '2026-12-04T10:00:00.000Z',
    ...overrides,
  };
}

export function makeChat(overrides: Partial<Chat> = {}): Chat {
  return { chatId: '4915112345678@c.us', deviceId: 'd-1', name: 'Alice', lastMessage: null, ...overrides };
}
