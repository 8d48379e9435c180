import { settlesWithin } from './settles-within';

describe('settlesWithin', () => {
  it('is true for a promise that resolves or rejects in time', async () => {
    await expect(settlesWithin(Promise.resolve('x'), 50)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('no')), 50)).resolves.toBe(true);
  });

  it('is false for a promise that is still pending when the time runs out', async () => {
    const started = Date.now();
    await expect(settlesWithin(new Promise(() => undefined), 30)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
