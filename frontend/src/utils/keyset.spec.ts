import { describe, expect, it } from 'vitest';
import { insertNewestFirst, newestFirst } from './keyset';

const m = (id: string, minute: number) => ({
  id,
  createdAt: `2026-12-04T10:${String(minute).padStart(2, '0')}:00.000Z`,
});

describe('keyset order', () => {
  it('sorts by time, then id, newest first', () => {
    const list = [m('a', 1), m('c', 3), m('b', 3), m('d', 2)].sort(newestFirst);
    expect(list.map((x) => x.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('inserts in place', () => {
    const list = [m('c', 3), m('a', 1)];
    expect(insertNewestFirst(list, m('b', 2), true).map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(insertNewestFirst(list, m('z', 9), false).map((x) => x.id)).toEqual(['z', 'c', 'a']);
  });

  it('leaves older items to the next page while there is one', () => {
    const list = [m('c', 3), m('b', 2)];
    expect(insertNewestFirst(list, m('a', 1), false).map((x) => x.id)).toEqual(['c', 'b']);
    expect(insertNewestFirst(list, m('a', 1), true).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });
});
