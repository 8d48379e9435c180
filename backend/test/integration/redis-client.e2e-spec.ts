import type Redis from 'ioredis';
import { once } from 'node:events';
import { createRedisClient } from '../../src/common/redis/redis.module';
import { freePort } from '../utils/app';
import { RedisServer, sleep } from '../utils/messaging';
import { startTcpProxy, TcpProxy } from '../utils/tcp-proxy';

/** How long one command takes to settle, and how. */
async function timed(client: Redis): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = Date.now();
  try {
    await client.ping();
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: (error as Error).message };
  }
}

/** Sends a PING every `everyMs` until stopped, like request traffic hitting the caches during an outage. */
function traffic(client: Redis, everyMs: number): () => void {
  const timer = setInterval(() => void client.ping().catch(() => undefined), everyMs);
  return () => clearInterval(timer);
}

// SECURITY.md §6 R1, R3: the shared client fails fast while Redis is away and comes back on its own.
describe('The shared Redis client', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let client: Redis;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    proxy = await startTcpProxy(redis.port);
    client = createRedisClient(
      { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: 'circuit:' },
      'circuit-test',
    );
    client.on('error', () => undefined);
    await once(client, 'ready'); // no offline queue: commands sent before this would fail
  });

  afterAll(async () => {
    client?.disconnect();
    await proxy?.close();
    redis?.resume();
    await redis?.kill();
  });

  it('reconnects while requests keep failing during the outage', async () => {
    const stop = traffic(client, 20);
    try {
      await proxy.close();
      await sleep(1500);
      expect(await timed(client)).toMatchObject({ ok: false });
      await proxy.reopen();
      // Reconnect attempts are at most 2 s apart; the traffic must not keep them from succeeding.
      const deadline = Date.now() + 5000;
      while (!(await timed(client)).ok && Date.now() < deadline) await sleep(50);
      expect(await timed(client)).toMatchObject({ ok: true });
    } finally {
      stop();
    }
  }, 15_000);

  it('fails fast after the first timeout while Redis hangs, and answers again once it is back', async () => {
    redis.pause();
    try {
      const first = await timed(client);
      expect(first).toMatchObject({ ok: false, error: expect.stringMatching(/timed out/i) });
      const next = await timed(client);
      expect(next).toMatchObject({ ok: false, error: expect.stringMatching(/circuit open/) });
      expect(next.ms).toBeLessThan(100);
    } finally {
      redis.resume();
    }
    const deadline = Date.now() + 5000;
    while (!(await timed(client)).ok && Date.now() < deadline) await sleep(100);
    expect(await timed(client)).toMatchObject({ ok: true });
  }, 15_000);
});
