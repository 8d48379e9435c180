import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from './cursor';

interface AuditKey extends Record<string, string | number> {
  id: string;
}

const isAuditKey = (value: Record<string, unknown>): value is AuditKey =>
  typeof value.id === 'string' && /^\d+$/.test(value.id);

interface TimeKey extends Record<string, string | number> {
  at: number;
  id: string;
}

const isTimeKey = (value: Record<string, unknown>): value is TimeKey =>
  typeof value.at === 'number' && typeof value.id === 'string';

function badRequest(cursor: string, isValid = isAuditKey): BadRequestException {
  try {
    decodeCursor(cursor, isValid);
  } catch (error) {
    if (error instanceof BadRequestException) return error;
    throw error;
  }
  throw new Error(`cursor ${JSON.stringify(cursor)} was accepted`);
}

describe('cursor', () => {
  it('round-trips a sort key through an opaque URL-safe string', () => {
    const key = { at: 1_733_300_000_000, id: 'd2c0f7e6-ü-✓' };
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('1733300000000');
    expect(decodeCursor(cursor, isTimeKey)).toEqual(key);
    expect(decodeCursor(encodeCursor({ id: '42' }), isAuditKey)).toEqual({ id: '42' });
  });

  it('returns null when there is no cursor (first page)', () => {
    expect(decodeCursor(undefined, isAuditKey)).toBeNull();
    expect(decodeCursor('', isAuditKey)).toBeNull();
  });

  it.each([
    ['garbage', '%%%not-base64%%%'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['a JSON number', Buffer.from('42').toString('base64url')],
    ['a JSON string', Buffer.from('"42"').toString('base64url')],
    ['a key of the wrong shape', encodeCursor({ id: '1 OR 1=1' })],
    ['a key of another list', encodeCursor({ at: 1, id: 'x' })],
    ['a truncated cursor', encodeCursor({ id: '123456' }).slice(0, 5)],
  ])('answers 400 for %s', (_label, cursor) => {
    const error = badRequest(cursor);
    expect(error.getStatus()).toBe(400);
    expect(error.getResponse()).toMatchObject({ message: ['cursor is invalid'] });
  });
});
