import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers until the token expires, and no longer', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('token-a', 'claims-a', 1_000_000 + 5_000);
    expect(cache.get('token-a')).toBe('claims-a');
    jest.setSystemTime(1_000_000 + 5_000);
    expect(cache.get('token-a')).toBeNull();
  });

  it('never keeps an entry longer than its maximum age, even for a long-lived token', () => {
    jest.useFakeTimers({ now: 2_000_000 });
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('token-b', 'claims-b', 2_000_000 + 3_600_000);
    jest.setSystemTime(2_000_000 + 60_000);
    expect(cache.get('token-b')).toBeNull();
  });

  it('does not store expired tokens, evicts the oldest when full, and clears', () => {
    const cache = new VerifiedTokenCache<number>(2, 60_000);
    cache.set('expired', 0, Date.now() - 1);
    expect(cache.get('expired')).toBeNull();
    cache.set('one', 1, Date.now() + 10_000);
    cache.set('two', 2, Date.now() + 10_000);
    cache.set('three', 3, Date.now() + 10_000);
    expect([cache.get('one'), cache.get('two'), cache.get('three')]).toEqual([null, 2, 3]);
    cache.clear();
    expect(cache.get('two')).toBeNull();
  });

  it('only answers for the exact token', () => {
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('header.payload.signature', 'claims', Date.now() + 10_000);
    expect(cache.get('header.payload.signaturf')).toBeNull();
  });
});
