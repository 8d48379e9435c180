/**
 * K1 (SECURITY.md §6): a worker process is killed with SIGKILL in the middle of a send backlog. Every accepted
 * message must still end sent (none lost), and WhatsApp may see a message twice only if it was in flight when
 * the worker died (duplicates ≤ MESSAGE_WORKER_CONCURRENCY), counted and reported.
 */
import { randomBytes } from 'node:crypto';
import type { RunningEmulator } from 'waha-emulator';
import { TestApp } from '../utils/app';
import { linkDevice, LinkedDevice } from '../utils/devices';
import { createTenant, TenantFixture } from '../utils/fixtures';
import {
  DONE,
  emulatorSent,
  ensureWorkerBuilt,
  FAST_SENDING,
  postSend,
  sleep,
  WorkerProcess,
  workerEnvFor,
} from '../utils/messaging';
import { ownerQuery } from '../utils/owner-db';
import { startWahaApp, wahaEnv } from '../utils/waha-devices';
import { emulatorCall, eventually, startTestEmulator } from '../utils/waha';

const CONCURRENCY = 5;
const MESSAGES = 40;
/** WAHA's answer time per send: slow enough that a loaded machine still sees the drain half-way (≈ 2.4 s). */
const SEND_LATENCY_MS = 300;

describe('Worker crash mid-drain (separate worker process)', () => {
  let emulator: RunningEmulator;
  let api: TestApp;
  let tenant: TenantFixture;
  let device: LinkedDevice;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  const startWorker = () => {
    const worker = new WorkerProcess(workerEnv);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    ensureWorkerBuilt();
    emulator = await startTestEmulator({ tier: 'PLUS', contacts: 3, groups: 1, ackDelayMs: 20 });
    const prefix = `test:${randomBytes(4).toString('hex')}:`;
    const shared = {
      ...FAST_SENDING,
      REDIS_KEY_PREFIX: prefix,
      MESSAGE_WORKER_CONCURRENCY: String(CONCURRENCY),
    };
    // The API only accepts (WORKERS_IN_PROCESS=false): every send, webhook and sync runs in the worker process.
    api = await startWahaApp(wahaEnv(emulator, { ...shared, WORKERS_IN_PROCESS: 'false' }));
    workerEnv = workerEnvFor(api, wahaEnv(emulator, shared));
    startWorker();
    tenant = await createTenant(api);
    // Linking needs the worker: WAHA's session.status webhooks take effect in the worker process.
    device = await linkDevice(api, emulator, tenant.users.editor.token, '4915100003001');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await api?.close();
    await emulator?.close();
  });

  // Distinct recipients (a broadcast), and one busy chat: the in-flight check before a re-send reads the chat's
  // most recent messages, which a backlog to the same chat can push out of view.
  it.each([
    ['40 recipients', (i: number) => `+49151770${String(30000 + i)}`],
    ['one chat', () => '+4915177039999'],
  ])(
    '%s: loses nothing and duplicates at most the in-flight sends',
    async (scenario, recipient) => {
      await emulatorCall(emulator, 'POST', '/emulator/faults', { sendText: { latencyMs: SEND_LATENCY_MS } });
      const current = workers[workers.length - 1]!;
      const run = randomBytes(3).toString('hex');
      const texts = Array.from({ length: MESSAGES }, (_, i) => `crash ${run} #${i}`);
      const accepted = await Promise.all(
        texts.map((text, i) =>
          postSend(api, tenant.users.editor.token, {
            deviceId: device.id,
            to: recipient(i),
            text,
          }),
        ),
      );
      expect(accepted.map((r) => r.status)).toEqual(Array(MESSAGES).fill(202));
      const ids = accepted.map((r) => r.body.id as string);
      const ours = new Set(texts);
      const sentOfOurs = async () => (await emulatorSent(emulator)).filter((s) => ours.has(s.text));

      // Let the first worker get some but not all of them out, then kill it without warning.
      await eventually(async () => (await sentOfOurs()).length >= 10, 20_000);
      await current.kill();
      const statusesAtKill = await ownerQuery<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM messages WHERE id = ANY($1::uuid[]) GROUP BY status`,
        [ids],
      );
      const sentAtKill = (await sentOfOurs()).length;
      expect(sentAtKill).toBeLessThan(MESSAGES);

      // Requests already on the wire land on WhatsApp even though their worker is gone.
      await sleep(SEND_LATENCY_MS + 200);
      const replacement = startWorker();
      const rowsNow = () =>
        ownerQuery<{ id: string; status: string; attempts: number; error: string | null; updated_at: Date }>(
          `SELECT id, status, attempts, error, updated_at FROM messages WHERE id = ANY($1::uuid[])`,
          [ids],
        );
      const finished = await eventually(async () => {
        const rows = await rowsNow();
        return rows.length === MESSAGES && rows.every((r) => DONE.includes(r.status)) ? rows : null;
      }, 25_000).catch(async (error: Error) => {
        const unfinished = (await rowsNow()).filter((r) => !DONE.includes(r.status));
        console.log(
          '[worker-crash] unfinished',
          unfinished,
          workers.map((w) => w.output.join('')).join('\n---\n'),
        );
        throw error;
      });
      expect(finished).toHaveLength(MESSAGES);
      await sleep(500);

      const sent = await sentOfOurs();
      const perText = new Map<string, number>();
      for (const s of sent) perText.set(s.text, (perText.get(s.text) ?? 0) + 1);
      const lost = texts.filter((text) => !perText.has(text));
      const duplicates = [...perText.values()].reduce((sum, n) => sum + (n - 1), 0);
      const inFlightAtKill = Number(statusesAtKill.find((s) => s.status === 'sending')?.n ?? 0);
      console.log(
        `[worker-crash] ${scenario}: ${MESSAGES} accepted, ${sentAtKill} on WhatsApp when the worker was killed ` +
          `(${inFlightAtKill} rows 'sending'), after recovery: lost=${lost.length}, ` +
          `duplicates on the emulator=${duplicates} (limit ${CONCURRENCY})`,
      );
      expect(lost).toEqual([]);
      expect(inFlightAtKill).toBeLessThanOrEqual(CONCURRENCY);
      expect(duplicates).toBeLessThanOrEqual(inFlightAtKill);
      // Each message row points at one WhatsApp message, and no WhatsApp message is claimed twice.
      const claimed = await ownerQuery<{ wa_message_id: string | null }>(
        `SELECT wa_message_id FROM messages WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      const waIds = claimed.map((r) => r.wa_message_id).filter((id) => id !== null);
      expect(new Set(waIds).size).toBe(waIds.length);
      expect(replacement.running).toBe(true);
    },
    35_000,
  );
});
