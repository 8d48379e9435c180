// Benchmark (c): GET /messages keyset page (limit 50) as one tenant grows from 10k to 100k to 1M rows among
// other tenants; plus the deep keyset page and the OFFSET control.
//
// Data (seeded with generate_series as the owner role, then VACUUM ANALYZE — autovacuum is off on this box):
//   tenant S: 10,000 messages   tenant M: 100,000 messages   tenant L: grows 10k → 100k → 1,000,000
// so the table holds 120k, 210k, then 1.11M rows. Older rows are added at each step, so L's first page is the
// same 50 rows at every size.
//
// Timing-independent (the gates that hold on a noisy box): EXPLAIN (ANALYZE, BUFFERS) of the repository's page
// query, run as the runtime role inside a tenant transaction (RLS on): L's first page at 10k / 100k / 1M (buffers
// ratio; plan must be an Index Scan without Sort), S's first page before and after L grew (isolation), L's deep
// keyset page (after 50,000 rows) and the same page via OFFSET 50,000 (control: must be ≥ 10× slower).
// Timed (fixed rate through the API, interleaved in rotating order after an untimed pre-warm): S first page (10k)
// vs L first page (1M) vs L deep page: p50/p99 ratios.
//
// Env: BENCH_RATE (200 req/s), BENCH_ROUNDS (3), BENCH_DURATION (6), BENCH_WARMUP (2), BENCH_CONNECTIONS (2).
import { interleave, maxOf, pairRatios } from './lib/abab.mjs';
import { measuredLoad } from './lib/load.mjs';
import { loadAverage, machineNote } from './lib/machine.mjs';
import { median, ratioVerdict, round, today, valueVerdict, writeJson, writeRows } from './lib/results.mjs';
import { runtimeUrl, withStack } from './lib/stack.mjs';
import pg from 'pg';

const RATE = Number(process.env.BENCH_RATE || 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const DURATION = Number(process.env.BENCH_DURATION || 6);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
// Few connections: autocannon's -R fires every connection's request on the same tick, so with 8 connections the
// requests arrive in bursts of 8 and the latency measured is mostly self-inflicted queueing (p50 ≈ 12 ms instead of
// ≈ 2-3 ms at 200 req/s), which would hide the page query's own cost.
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 2);
const DEEP = 50_000;
const started = Date.now();
const log = (...a) => console.error('[bench]', ...a);
const med = (xs, digits = 3) => round(median(xs), digits);

// Same text as MessageRepository (COLUMNS, page()): the API asks for limit + 1 rows.
const COLUMNS = `tenant_id AS "tenantId", id, device_id AS "deviceId", user_id AS "userId", chat_id AS "chatId",
  direction, body, status, error, source, wa_message_id AS "waMessageId", sender_id AS "senderId", attempts,
  idempotency_key AS "idempotencyKey", request_hash AS "requestHash", created_at AS "createdAt",
  updated_at AS "updatedAt", sent_at AS "sentAt", delivered_at AS "deliveredAt", read_at AS "readAt"`;
const FIRST_PAGE = `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;
const KEYSET_PAGE = `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`;
const OFFSET_PAGE = `SELECT ${COLUMNS} FROM messages WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`;
const BASE = '2026-01-01T00:00:00Z';

function planSummary(plan) {
  const nodes = [];
  const walk = (n) => {
    nodes.push({ type: n['Node Type'], index: n['Index Name'] ?? null });
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(plan.Plan);
  const top = plan.Plan;
  return {
    nodes: nodes.map((n) => (n.index ? `${n.type} (${n.index})` : n.type)).join(' → '),
    indexScan: nodes.some((n) => /^Index (Only )?Scan/.test(n.type) && n.index === 'messages_log_idx'),
    sort: nodes.some((n) => /Sort/.test(n.type)),
    buffers: top['Shared Hit Blocks'] + top['Shared Read Blocks'],
    executionMs: plan['Execution Time'],
    rows: top['Actual Rows'],
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) as the runtime role in a tenant transaction; `runs` times, median execution time. */
async function explain(tenantId, sql, params, runs = 3) {
  const client = new pg.Client({ connectionString: runtimeUrl(), application_name: 'bench-harness' });
  await client.connect();
  try {
    const results = [];
    for (let i = 0; i < runs; i++) {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      await client.query('COMMIT');
      results.push(planSummary(rows[0]['QUERY PLAN'][0]));
    }
    const last = results[results.length - 1];
    return { ...last, executionMs: round(median(results.map((r) => r.executionMs)), 3) };
  } finally {
    await client.end();
  }
}

await withStack({ name: 'messages' }, async (stack) => {
  const owner = stack.owner;
  const serverId = (await owner.query('SELECT id FROM waha_servers LIMIT 1')).rows[0].id;
  const addDevice = async (tenantId, userId) =>
    (
      await owner.query(
        `INSERT INTO devices (tenant_id, user_id, name, server_id, session_name, status, webhook_key_enc)
         VALUES ($1, $2, 'Seeded phone', $3, 'bench_' || gen_random_uuid(), 'STOPPED', 'unused') RETURNING id`,
        [tenantId, userId, serverId],
      )
    ).rows[0].id;
  const L = {
    name: 'L',
    tenantId: stack.tenant.id,
    userId: stack.admin.userId,
    token: stack.admin.token,
    rows: 0,
  };
  const sT = await stack.newTenant('small');
  const mT = await stack.newTenant('mid');
  const S = { name: 'S', tenantId: sT.id, userId: sT.admin.userId, token: sT.admin.token, rows: 0 };
  const M = { name: 'M', tenantId: mT.id, userId: mT.admin.userId, token: mT.admin.token, rows: 0 };
  for (const t of [S, M, L]) t.deviceId = await addDevice(t.tenantId, t.userId);

  const seed = async (t, upTo) => {
    const t0 = Date.now();
    await owner.query(
      `INSERT INTO messages (tenant_id, device_id, user_id, chat_id, direction, body, status, source, created_at, updated_at, sent_at)
       SELECT $1, $2, $3, '49151' || lpad((g % 500)::text, 7, '0') || '@c.us', 'outbound', 'Seeded message number ' || g,
              'sent', 'api', ts, ts, ts
       FROM generate_series($4::int, $5::int) g,
            LATERAL (SELECT $6::timestamptz - make_interval(secs => g * 2) AS ts) x`,
      [t.tenantId, t.deviceId, t.userId, t.rows + 1, upTo, BASE],
    );
    log(`seeded ${t.name} ${t.rows} → ${upTo} rows in ${Date.now() - t0} ms`);
    t.rows = upTo;
  };
  const vacuum = async () => {
    const t0 = Date.now();
    await owner.query('VACUUM ANALYZE messages');
    log(`VACUUM ANALYZE messages: ${Date.now() - t0} ms`);
  };
  const firstPage = (t) => explain(t.tenantId, FIRST_PAGE, [t.tenantId, 51]);

  // ---- Growth, with EXPLAIN at each size ----
  const seedStarted = Date.now();
  await seed(S, 10_000);
  await seed(M, 100_000);
  await seed(L, 10_000);
  await vacuum();
  const plans = { L: {}, S: {}, M: {} };
  plans.L['10k'] = await firstPage(L);
  plans.S.tableAt120k = await firstPage(S);
  await seed(L, 100_000);
  await vacuum();
  plans.L['100k'] = await firstPage(L);
  await seed(L, 1_000_000);
  await vacuum();
  // Flush the seeding's dirty buffers now rather than during the first timed round.
  await owner.query('CHECKPOINT');
  const seedSeconds = round((Date.now() - seedStarted) / 1000, 1);
  plans.L['1M'] = await firstPage(L);
  plans.S.tableAt1110k = await firstPage(S);
  plans.M['100k'] = await firstPage(M);

  // ---- Deep page (after 50,000 rows) and the OFFSET control ----
  const {
    rows: [anchor],
  } = await owner.query(
    `SELECT created_at, id FROM messages WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [L.tenantId, DEEP - 1],
  );
  const deepParams = [L.tenantId, anchor.created_at, anchor.id, 51];
  const offsetParams = [L.tenantId, 51, DEEP];
  const deep = [];
  const offset = [];
  for (let i = 0; i < 5; i++) {
    deep.push(await explain(L.tenantId, KEYSET_PAGE, deepParams, 1));
    offset.push(await explain(L.tenantId, OFFSET_PAGE, offsetParams, 1));
  }
  const control = {
    keysetDeep: { ...deep[deep.length - 1], executionMs: med(deep.map((d) => d.executionMs)) },
    offset: { ...offset[offset.length - 1], executionMs: med(offset.map((d) => d.executionMs)) },
  };
  control.timeRatio = round(control.offset.executionMs / control.keysetDeep.executionMs, 1);
  control.buffersRatio = round(control.offset.buffers / control.keysetDeep.buffers, 1);

  // ---- Through the API at a fixed rate, interleaved ----
  const cursor = Buffer.from(
    JSON.stringify({ t: new Date(anchor.created_at).toISOString(), i: anchor.id }),
    'utf8',
  ).toString('base64url');
  const check = async (t, query) => {
    const { data } = await stack.api('GET', `/messages?limit=50${query}`, { token: t.token, expect: [200] });
    if (data.items.length !== 50 || !data.nextCursor)
      throw new Error(`unexpected page for ${t.name}: ${data.items.length} items`);
    return data.items[0].id;
  };
  await check(S, '');
  await check(L, '');
  const deepFirstId = await check(L, `&cursor=${cursor}`);
  const variants = [
    { key: 'S', label: 'S first page (10k rows)', t: S, query: '' },
    { key: 'L', label: 'L first page (1M rows)', t: L, query: '' },
    { key: 'D', label: 'L deep keyset page (after 50k rows)', t: L, query: `&cursor=${cursor}` },
  ];
  // Untimed pre-warm of the API's code paths (JIT) so the first timed run is not penalised.
  for (const v of variants) {
    await measuredLoad({
      url: `${stack.apiUrl}/messages?limit=50${v.query}`,
      headers: { authorization: `Bearer ${v.t.token}` },
      connections: CONNECTIONS,
      rate: RATE,
      duration: 2,
      warmup: 0,
    });
  }
  const { pairs, used } = await interleave({
    variants,
    rotate: true,
    pairs: ROUNDS,
    deadline: Date.now() + 110_000, // 3 rounds ≈ 80 s (+ ~40 s seeding), room for one extra round
    runOne: async (v) => {
      const r = await measuredLoad(
        {
          url: `${stack.apiUrl}/messages?limit=50${v.query}`,
          headers: { authorization: `Bearer ${v.t.token}` },
          connections: CONNECTIONS,
          rate: RATE,
          duration: DURATION,
          warmup: WARMUP,
        },
        { serverPids: [stack.processes.api.pid] },
      );
      r.summary = `${r.rps} req/s (target ${RATE}), p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.serverCpuUsPerReq} µs CPU/req, non-2xx ${r.non2xx}`;
      return r;
    },
  });
  const p50LS = pairRatios(used, 'L', 'S', (r) => r.latencyMs.p50);
  const p99LS = pairRatios(used, 'L', 'S', (r) => r.latencyMs.p99);
  const p50DL = pairRatios(used, 'D', 'L', (r) => r.latencyMs.p50);
  const p99DL = pairRatios(used, 'D', 'L', (r) => r.latencyMs.p99);

  const buffersRatio = round(plans.L['1M'].buffers / plans.L['10k'].buffers, 2);
  const isolationRatio = round(plans.S.tableAt1110k.buffers / plans.S.tableAt120k.buffers, 2);
  const planOk = ['10k', '100k', '1M'].every((k) => plans.L[k].indexScan && !plans.L[k].sort);
  const doc = {
    benchmark: 'c',
    title: 'GET /messages keyset page at 10k / 100k / 1M rows of one tenant among others',
    settings: {
      rate: RATE,
      rounds: ROUNDS,
      durationS: DURATION,
      warmupS: WARMUP,
      connections: CONNECTIONS,
      deepAfterRows: DEEP,
      seedSeconds,
    },
    plans,
    control,
    deepCursor: { cursor, firstIdOfDeepPage: deepFirstId },
    ratios: { p50LoverS: p50LS, p99LoverS: p99LS, p50DeepOverFirst: p50DL, p99DeepOverFirst: p99DL },
    medians: {
      p50LoverS: med(p50LS),
      p99LoverS: med(p99LS),
      p50DeepOverFirst: med(p50DL),
      p99DeepOverFirst: med(p99DL),
      latencyMs: Object.fromEntries(
        ['S', 'L', 'D'].map((k) => [
          k,
          {
            p50: med(used.map((p) => p.runs[k].latencyMs.p50)),
            p99: med(used.map((p) => p.runs[k].latencyMs.p99)),
          },
        ]),
      ),
    },
    buffers: {
      L10k: plans.L['10k'].buffers,
      L100k: plans.L['100k'].buffers,
      L1M: plans.L['1M'].buffers,
      ratio1Mover10k: buffersRatio,
      isolationSmallTenant: isolationRatio,
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
    extra: `${used.length}/${pairs.length} rounds used${noisyPairs ? ` (${noisyPairs} noisy)` : ''}; ${DURATION} s + ${WARMUP} s warm-up per run (shortened to fit 3 min with ${seedSeconds} s of seeding)`,
  });
  const latencyVerdict = (p50s, p99s) => {
    const v50 = ratioVerdict(p50s, { best: 1.3, acceptable: 2, higherIsBetter: false });
    const v99 = ratioVerdict(p99s, { best: 1.5, acceptable: 2, higherIsBetter: false });
    return v50 === 'PASS' && v99 === 'PASS' ? 'PASS' : v50 === 'MISS' ? 'MISS' : 'OK';
  };
  const date = today();
  const lat = (k) => `${m.latencyMs[k].p50}/${m.latencyMs[k].p99} ms`;
  writeRows('c', [
    {
      benchmark: 'GET /messages page latency vs tenant size',
      ab: 'A: first page of tenant L (1M rows) vs B: first page of tenant S (10k rows), same 1.11M-row table, through the API',
      metric: `p50 and p99 ratio at a fixed ${RATE} req/s (autocannon -R, -c ${CONNECTIONS}), ${used.length} rounds interleaved`,
      goal: 'p50 ≤ 1.3 and p99 ≤ 1.5 / p50 ≤ 2',
      result: `p50 ratio median ${m.p50LoverS} (${p50LS.join(', ')}); p99 ratio median ${m.p99LoverS} (${p99LS.join(', ')}); p50/p99 L ${lat('L')}, S ${lat('S')}; API CPU per page ≈ ${med(
        used.map((p) => p.runs.L.serverCpuUsPerReq),
        0,
      )} µs`,
      verdict: latencyVerdict(p50LS, p99LS),
      date,
      machine,
    },
    {
      benchmark: 'messages page plan and buffers vs size',
      ab: "tenant L's first page at 1M rows vs at 10k rows (100k in between), EXPLAIN (ANALYZE, BUFFERS) as the runtime role in a tenant transaction",
      metric: 'shared buffers (hit+read) per page; plan shape',
      goal: 'buffers ≤ 1.5×; Index Scan, no Sort',
      result: `buffers 10k ${plans.L['10k'].buffers}, 100k ${plans.L['100k'].buffers}, 1M ${plans.L['1M'].buffers} → ratio ${buffersRatio}; plan at 1M: ${plans.L['1M'].nodes}; exec ${plans.L['10k'].executionMs} → ${plans.L['1M'].executionMs} ms; small tenant's page as the table grew 120k → 1.11M rows: buffers ${plans.S.tableAt120k.buffers} → ${plans.S.tableAt1110k.buffers}`,
      verdict: planOk && buffersRatio <= 1.5 ? 'PASS' : 'MISS',
      date,
      machine: machineNote(stack.machine, { extra: 'timing-independent' }),
    },
    {
      benchmark: 'deep keyset page vs first page',
      ab: 'A: L page after 50,000 rows (cursor) vs B: L first page, through the API',
      metric: `p50 and p99 ratio at ${RATE} req/s, interleaved; EXPLAIN buffers deep vs first`,
      goal: '≤ 1.2 / ≤ 1.5 (p50)',
      result: `p50 ratio median ${m.p50DeepOverFirst} (${p50DL.join(', ')}); p99 ratio median ${m.p99DeepOverFirst} (${p99DL.join(', ')}); deep ${lat('D')}; buffers deep ${control.keysetDeep.buffers} vs first ${plans.L['1M'].buffers}`,
      verdict: ratioVerdict(p50DL, { best: 1.2, acceptable: 1.5, higherIsBetter: false }),
      date,
      machine,
    },
    {
      benchmark: 'control: OFFSET 50,000 vs keyset',
      ab: 'A: same page via OFFSET 50,000 vs B: keyset cursor (EXPLAIN ANALYZE as the runtime role, 5 runs each, alternated)',
      metric: 'execution time ratio (median) and buffers ratio',
      goal: 'OFFSET ≥ 10× slower (proves the test can see a difference)',
      result: `OFFSET ${control.offset.executionMs} ms vs keyset ${control.keysetDeep.executionMs} ms → ${control.timeRatio}×; buffers ${control.offset.buffers} vs ${control.keysetDeep.buffers} → ${control.buffersRatio}×`,
      verdict:
        valueVerdict(control.timeRatio, { best: 10, higherIsBetter: true }) === 'PASS'
          ? 'PASS (control sees it)'
          : 'MISS (control too weak)',
      date,
      machine: machineNote(stack.machine, { extra: 'SQL level' }),
    },
  ]);
  await writeJson('messages-page', doc);
});
