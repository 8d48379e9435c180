// Benchmark (d): contact sync of 10,000 contacts through the app vs one raw SQL statement.
//
//   A  the app's first sync: emulator configured with 10,000 contacts (0 groups) before the device is linked;
//      the device's contacts are deleted, then POST /whatsapp/devices/:id/sync; the time is from the request to
//      the worker's "Directory synced" log line (its own timestamp, same clock): queue pickup, WAHA lids and
//      contacts pages, mapping, one upsert per 1,000 contacts, groups, cache invalidation.
//   R  the same sync again with every contact already stored (re-sync, nothing changed) — informational (d2).
//   B  raw SQL: the same 10,000 rows (read back from A's result) in one INSERT … SELECT FROM unnest … ON CONFLICT
//      (the text of ContactRepository.upsertMany) as the runtime role in one tenant transaction, into the same
//      table with the same unique index, after the same DELETE + VACUUM; timed around BEGIN…COMMIT on an open
//      connection.
// A R B interleaved × 5 pairs (each run takes ~1 s). Then one counted sync through the counting proxy: SQL
// statements per 1,000 contacts. HISTORY_SYNC_CHATS=0 so the job ends after the directory.
//
// Env: BENCH_PAIRS (5), BENCH_CONTACTS (10000).
import pg from 'pg';
import { interleave, maxOf, pairRatios } from './lib/abab.mjs';
import { perRequest, startPgCountingProxy } from './lib/counters.mjs';
import {
  CpuMeter,
  loadAverage,
  machineNote,
  NOISY_FOREIGN_CORES,
  processCpuSeconds,
} from './lib/machine.mjs';
import { LogFollower, sleep } from './lib/proc.mjs';
import { median, ratioVerdict, round, today, valueVerdict, writeJson, writeRows } from './lib/results.mjs';
import { runtimeUrl, withStack } from './lib/stack.mjs';

const PAIRS = Number(process.env.BENCH_PAIRS || 5);
const CONTACTS = Number(process.env.BENCH_CONTACTS || 10_000);
const started = Date.now();
const med = (xs, digits = 3) => round(median(xs), digits);

// ContactRepository.upsertMany, verbatim (as of commit 6c9c22a; keep in sync if the repository's SQL changes).
const UPSERT = `INSERT INTO contacts (tenant_id, device_id, chat_id, lid, phone_number, name, push_name, sort_name)
       SELECT $1, $2, c, l, p, n, pn, s
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(c, l, p, n, pn, s)
       ON CONFLICT (tenant_id, device_id, chat_id) DO UPDATE SET
         lid = COALESCE(EXCLUDED.lid, contacts.lid),
         phone_number = COALESCE(EXCLUDED.phone_number, contacts.phone_number),
         name = COALESCE(EXCLUDED.name, contacts.name),
         push_name = COALESCE(EXCLUDED.push_name, contacts.push_name),
         sort_name = EXCLUDED.sort_name,
         updated_at = now()
       -- A re-sync rewrites only what changed: unchanged rows cost an index probe, not a new row version.
       WHERE (contacts.lid, contacts.phone_number, contacts.name, contacts.push_name, contacts.sort_name)
         IS DISTINCT FROM (COALESCE(EXCLUDED.lid, contacts.lid), COALESCE(EXCLUDED.phone_number, contacts.phone_number),
                           COALESCE(EXCLUDED.name, contacts.name), COALESCE(EXCLUDED.push_name, contacts.push_name),
                           EXCLUDED.sort_name)
       RETURNING id`;

await withStack(
  {
    name: 'contacts',
    worker: true,
    device: true,
    emulatorConfig: { contacts: CONTACTS, groups: 0 },
    env: { HISTORY_SYNC_CHATS: '0' },
  },
  async (stack) => {
    const tenantId = stack.tenant.id;
    const deviceId = stack.device.id;
    const isOurs = (msg) => (e) => e.msg === msg && e.deviceId === deviceId;
    const workerLog = () => stack.processes.worker.logFile;
    // The first sync started when the device reached WORKING.
    await new LogFollower(workerLog(), { fromStart: true }).next(isOurs('Device synced'), 120_000);
    const count = async () =>
      Number(
        (
          await stack.owner.query(
            'SELECT count(*) AS n FROM contacts WHERE tenant_id = $1 AND device_id = $2',
            [tenantId, deviceId],
          )
        ).rows[0].n,
      );
    const expected = await count();
    const { rows: snapshot } = await stack.owner.query(
      `SELECT chat_id, lid, phone_number, name, push_name, sort_name FROM contacts
       WHERE tenant_id = $1 AND device_id = $2 ORDER BY chat_id`,
      [tenantId, deviceId],
    );
    const columns = ['chat_id', 'lid', 'phone_number', 'name', 'push_name', 'sort_name'].map((c) =>
      snapshot.map((r) => r[c]),
    );

    const clear = async () => {
      await stack.owner.query('DELETE FROM contacts WHERE tenant_id = $1 AND device_id = $2', [
        tenantId,
        deviceId,
      ]);
      await stack.owner.query('VACUUM (ANALYZE) contacts');
    };
    const appSync = async () => {
      const follower = new LogFollower(workerLog());
      const cpu0 = processCpuSeconds(stack.processes.worker.pid);
      const meter = new CpuMeter().start();
      const t0 = Date.now();
      await stack.api('POST', `/whatsapp/devices/${deviceId}/sync`, {
        token: stack.sender.token,
        expect: [202],
      });
      const done = await follower.next(isOurs('Directory synced'), 120_000);
      const ms = done.time - t0;
      await follower.next(isOurs('Device synced'), 120_000);
      const machine = meter.stop();
      const n = await count();
      if (n !== expected) throw new Error(`sync stored ${n} contacts, expected ${expected}`);
      return {
        ms,
        workerCpuMs: Math.round(((processCpuSeconds(stack.processes.worker.pid) ?? 0) - cpu0) * 1000),
        machine,
        noisy: machine.foreignCores > NOISY_FOREIGN_CORES,
        summary: `${ms} ms (worker CPU ${Math.round(((processCpuSeconds(stack.processes.worker.pid) ?? 0) - cpu0) * 1000)} ms)`,
      };
    };
    const rawUpsert = async () => {
      const client = new pg.Client({ connectionString: runtimeUrl(), application_name: 'bench-raw' });
      await client.connect();
      try {
        const meter = new CpuMeter().start();
        const t0 = process.hrtime.bigint();
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        const { rowCount } = await client.query(UPSERT, [tenantId, deviceId, ...columns]);
        await client.query('COMMIT');
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const machine = meter.stop();
        if (rowCount !== expected) throw new Error(`raw upsert wrote ${rowCount} rows, expected ${expected}`);
        return {
          ms: round(ms, 1),
          machine,
          noisy: machine.foreignCores > NOISY_FOREIGN_CORES,
          summary: `${round(ms, 1)} ms`,
        };
      } finally {
        await client.end();
      }
    };

    const { pairs, used } = await interleave({
      variants: [{ key: 'A' }, { key: 'R' }, { key: 'B' }],
      pairs: PAIRS,
      extraPairs: 2,
      deadline: Date.now() + 60_000,
      runOne: async (v) => {
        if (v.key === 'A') {
          await clear();
          return appSync();
        }
        if (v.key === 'R') return appSync(); // contacts from A still there: a re-sync with nothing changed
        await clear();
        return rawUpsert();
      },
    });
    const ratioAB = pairRatios(used, 'A', 'B', (r) => r.ms);
    const ratioRA = pairRatios(used, 'R', 'A', (r) => r.ms);

    // ---- Counted sync (worker through the counting proxy) ----
    const proxy = await startPgCountingProxy();
    await stack.stopWorker();
    await stack.startWorker({ DATABASE_APP_URL: runtimeUrl(proxy.port) });
    await clear();
    await sleep(3000); // let the new worker finish its start-up work (pool registration, recovery sweep)
    proxy.reset();
    const counted = await appSync();
    const sql = proxy.snapshot();
    await proxy.close();
    const perThousand = round(sql.total / (expected / 1000), 2);

    const doc = {
      benchmark: 'd',
      title: `Contact sync of ${expected} contacts: app vs raw SQL`,
      settings: {
        pairs: PAIRS,
        emulatorContacts: CONTACTS,
        storedContacts: expected,
        historySyncChats: 0,
        emulatorGroups: 0,
      },
      ratios: { timeAoverB: ratioAB, resyncOverFirst: ratioRA },
      medians: {
        timeAoverB: med(ratioAB),
        resyncOverFirst: med(ratioRA),
        ms: Object.fromEntries(
          ['A', 'R', 'B'].map((k) => [
            k,
            med(
              used.map((p) => p.runs[k].ms),
              1,
            ),
          ]),
        ),
        workerCpuMs: {
          A: med(
            used.map((p) => p.runs.A.workerCpuMs),
            0,
          ),
          R: med(
            used.map((p) => p.runs.R.workerCpuMs),
            0,
          ),
        },
      },
      counted: {
        ms: counted.ms,
        statements: sql.total,
        perThousandContacts: perThousand,
        byStatement: sql.byStatement,
      },
      pairs,
      machine: { ...stack.machine, quietCheck: stack.quiet, loadAfter: loadAverage() },
      elapsedS: round((Date.now() - started) / 1000, 1),
    };
    const m = doc.medians;
    const noisyPairs = pairs.filter((p) => p.noisy).length;
    const machine = machineNote(stack.machine, {
      loadAfter: loadAverage(),
      maxForeign: maxOf(pairs, (r) => r.machine.foreignCores),
      maxSteal: maxOf(pairs, (r) => r.machine.stealPct),
      extra: `${used.length}/${pairs.length} pairs used${noisyPairs ? ` (${noisyPairs} noisy)` : ''}; worker unpinned`,
    });
    const date = today();
    const per = perRequest(sql.byStatement, expected / 1000);
    writeRows('d', [
      {
        benchmark: `contact sync of ${expected} contacts`,
        ab: 'A: app first sync (POST /devices/:id/sync → worker "Directory synced") vs B: one raw INSERT … SELECT FROM unnest … ON CONFLICT of the same rows (runtime role, tenant tx)',
        metric: `T_A ÷ T_B, ${used.length} pairs interleaved (A R B), DELETE + VACUUM before each`,
        goal: '≤ 1.5 / ≤ 3',
        result: `median ${m.timeAoverB} (pairs ${ratioAB.join(', ')}); A ${m.ms.A} ms (worker CPU ${m.workerCpuMs.A} ms), B ${m.ms.B} ms`,
        verdict: ratioVerdict(ratioAB, { best: 1.5, acceptable: 3, higherIsBetter: false }),
        date,
        machine,
      },
      {
        benchmark: 'contact re-sync, nothing changed',
        ab: 'R: app sync with all contacts already stored vs A: first sync',
        metric: 'T_R ÷ T_A (d2)',
        goal: '≤ 0.3 / ≤ 0.6',
        result: `median ${m.resyncOverFirst} (pairs ${ratioRA.join(', ')}); R ${m.ms.R} ms`,
        verdict: ratioVerdict(ratioRA, { best: 0.3, acceptable: 0.6, higherIsBetter: false }),
        date,
        machine,
      },
      {
        benchmark: 'contact sync statements',
        ab: `A: one app sync of ${expected} contacts, counted on the wire`,
        metric: 'SQL statements per 1,000 contacts (all statements of the sync job)',
        goal: 'constant per page (README: one statement per 1,000 contacts); ≤ ~5 incl. tx control',
        result: `${sql.total} statements = ${perThousand} per 1,000 (${Object.entries(per)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')})`,
        verdict: valueVerdict(perThousand, { best: 5, acceptable: 10 }),
        date,
        machine: machineNote(stack.machine, { extra: 'timing-independent' }),
      },
    ]);
    await writeJson('contact-sync', doc);
  },
);
