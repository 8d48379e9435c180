/** Lifecycle of an outgoing message; inbound ones are `received`. */
export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'received',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const OUTBOUND_PROGRESS: readonly MessageStatus[] = ['queued', 'sending', 'sent', 'delivered', 'read'];

/** Statuses that may still move to `target` (progress only goes forward, whatever order acks arrive in). */
export function statusesBefore(target: MessageStatus): MessageStatus[] {
  if (target === 'failed') return ['queued', 'sending'];
  const index = OUTBOUND_PROGRESS.indexOf(target);
  return index <= 0 ? [] : OUTBOUND_PROGRESS.slice(0, index);
}

export function canMove(from: MessageStatus, to: MessageStatus): boolean {
  return statusesBefore(to).includes(from);
}

/**
 * WhatsApp ack levels (WAHA `ack`): -1 ERROR, 0 PENDING, 1 SERVER, 2 DEVICE, 3 READ, 4 PLAYED.
 * Returns the status an ack moves a message to, or null when it says nothing new.
 */
export function statusForAck(ack: number): MessageStatus | null {
  if (ack >= 3) return 'read';
  if (ack === 2) return 'delivered';
  if (ack === 1) return 'sent';
  return null;
}

export function isFinal(status: MessageStatus): boolean {
  return (
    status === 'sent' ||
    status === 'delivered' ||
    status === 'read' ||
    status === 'failed' ||
    status === 'received'
  );
}
