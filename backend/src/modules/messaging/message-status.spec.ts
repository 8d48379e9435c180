import {
  canMove,
  isFinal,
  MESSAGE_STATUSES,
  MessageStatus,
  OUTBOUND_PROGRESS,
  statusesBefore,
  statusForAck,
} from './message-status';

describe('message status transitions', () => {
  it('orders outbound progress queued → sending → sent → delivered → read', () => {
    expect(OUTBOUND_PROGRESS).toEqual(['queued', 'sending', 'sent', 'delivered', 'read']);
  });

  it.each([
    ['queued', []],
    ['sending', ['queued']],
    ['sent', ['queued', 'sending']],
    ['delivered', ['queued', 'sending', 'sent']],
    ['read', ['queued', 'sending', 'sent', 'delivered']],
    ['failed', ['queued', 'sending']],
    ['received', []],
  ] as [MessageStatus, MessageStatus[]][])('%s may be reached only from %j', (target, from) => {
    expect(statusesBefore(target)).toEqual(from);
  });

  it('only moves forward, whatever order acks arrive in', () => {
    for (const [i, from] of OUTBOUND_PROGRESS.entries()) {
      for (const [j, to] of OUTBOUND_PROGRESS.entries()) {
        expect([from, to, canMove(from, to)]).toEqual([from, to, j > i]);
      }
    }
    expect(canMove('read', 'sent')).toBe(false);
    expect(canMove('delivered', 'delivered')).toBe(false);
  });

  it('fails only messages that are still queued or sending', () => {
    expect(canMove('queued', 'failed')).toBe(true);
    expect(canMove('sending', 'failed')).toBe(true);
    for (const from of ['sent', 'delivered', 'read', 'failed', 'received'] as MessageStatus[]) {
      expect([from, canMove(from, 'failed')]).toEqual([from, false]);
    }
  });

  it('never moves failed or received messages anywhere', () => {
    for (const to of MESSAGE_STATUSES) {
      expect(canMove('failed', to)).toBe(false);
      expect(canMove('received', to)).toBe(false);
    }
    for (const from of MESSAGE_STATUSES) expect(canMove(from, 'received')).toBe(false);
  });

  it('knows which statuses are final', () => {
    expect(MESSAGE_STATUSES.filter(isFinal)).toEqual(['sent', 'delivered', 'read', 'failed', 'received']);
  });
});

describe('statusForAck', () => {
  it.each([
    [-1, null], // ERROR: says nothing a worker did not already record
    [0, null], // PENDING
    [1, 'sent'], // SERVER
    [2, 'delivered'], // DEVICE
    [3, 'read'], // READ
    [4, 'read'], // PLAYED (voice notes): read as far as we are concerned
    [5, 'read'],
  ])('maps ack %i to %j', (ack, status) => {
    expect(statusForAck(ack)).toBe(status);
  });
});
