// Benchmark (a): POST /whatsapp/send through the full Nest stack vs a bare Fastify route doing the same
// database + queue work.
//
//   A  Nest API (guard + JWT + permission cache + throttler + class-validator + tenant transaction + queue.add),
//      WORKERS_IN_PROCESS=false and no worker process: the queue only grows.
//   B  baselines/bare-send.mjs BARE_MODE=insert: one transaction with set_config + the same INSERT INTO messages
//      as the runtime role, then BullMQ queue.add with the same options.
//   C  baselines/bare-send.mjs BARE_MODE=full: the same data work as the Nest service (device lookup, INSERT, audit
//      INSERT, backlog check, fair-position EVAL, queue.add) — shows how much of A/B is framework and how much is
//      extra SQL/Redis work.
//
// Timed: autocannon, fixed connections, 3 s warm-up + 10 s measured per run, A B C interleaved × 3 pairs; the
// server under test pinned to CPU 1, autocannon to CPU 0 (BENCH_PIN=0 to disable). Before each run the
// tenant's messages, audit entries and queue are emptied so every run starts from the same state.
// Counted (timing-independent, separate phase through a counting proxy): SQL statements, transactions, rows
// inserted and Redis commands per accepted send.
//
// Env: BENCH_PAIRS (3), BENCH_DURATION (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (16), BENCH_COUNT_REQUESTS (200).
import { interleave, loadMedians, maxOf, pairRatios } from './lib/abab.mjs';
import { perRequest, startPgCountingProxy, startRedisCounter } from './lib/counters.mjs';
import { measuredLoad } from './lib/load.mjs';
import { loadAverage, machineNote } from './lib/machine.mjs';
import { freePort, SERVER_CPU, sleep, spawnLogged, stopProcess, waitFor } from './lib/proc.mjs';
import { median, ratioVerdict, round, today, writeJson, writeRows } from './lib/results.mjs';
import { BENCH_DIR, redisConnection, runtimeUrl, withStack } from './lib/stack.mjs';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

const PAIRS = Number(process.env.BENCH_PAIRS || 3);
const DURATION = Number(process.env.BENCH_DURATION || 10);
const WARMUP = Number(process.env.BENCH_WARMUP || 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 16);
const COUNT_REQUESTS = Number(process.env.BENCH_COUNT_REQUESTS || 200);
const started = Date.now();
const med = (xs, digits = 3) => round(median(xs), digits);

async function startBare(stack, mode, dbUrl) {
  const port = await freePort();
  const child = spawnLogged(process.execPath, [`${BENCH_DIR}baselines/bare-send.mjs`], {
    env: {
      PORT: String(port),
      BARE_MODE: mode,
      DATABASE_APP_URL: dbUrl,
      DATABASE_POOL_SIZE: stack.env.DATABASE_POOL_SIZE || '10',
      REDIS_URL: stack.redisUrl,
      REDIS_KEY_PREFIX: stack.prefix,
      TENANT_ID: stack.tenant.id,
      USER_ID: stack.sender.userId,
    },
    logFile: `${stack.logDir}bare-send-${mode}.log`,
    cpu: SERVER_CPU,
  });
  await waitFor(`bare-send (${mode})`, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, {
    child,
  });
  stack.extra.push(child);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function waitForQueuesIdle(stack) {
  const queues = ['waha-events', 'directory-sync'].map(
    (name) => new Queue(name, { connection: redisConnection(), prefix: `${stack.prefix}bull` }),
  );
  try {
    await waitFor(
      'the device sync to finish',
      async () => {
        for (const q of queues) {
          const c = await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
          if (Object.values(c).some((n) => n > 0)) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

await withStack({ name: 'send', worker: true, device: true }, async (stack) => {
  // The worker was needed to link the device (WAHA events); now the queue must only grow.
  await waitForQueuesIdle(stack);
  await sleep(1500);
  await stack.stopWorker();

  const tenantId = stack.tenant.id;
  const body = JSON.stringify({ deviceId: stack.device.id, to: '+4915112345678', text: 'Benchmark message' });
  const reset = async () => {
    await stack.clearQueue('messages');
    await stack.owner.query('DELETE FROM messages WHERE tenant_id = $1', [tenantId]);
    await stack.owner.query(`DELETE FROM audit_log WHERE tenant_id = $1 AND action = 'message.sent'`, [
      tenantId,
    ]);
    await stack.owner.query('VACUUM (ANALYZE) messages, audit_log');
  };

  let bareB = await startBare(stack, 'insert', runtimeUrl());
  let bareC = await startBare(stack, 'full', runtimeUrl());
  const variants = () => [
    {
      key: 'A',
      url: `${stack.apiUrl}/whatsapp/send`,
      headers: { authorization: `Bearer ${stack.sender.token}`, 'content-type': 'application/json' },
      pid: stack.processes.api.pid,
    },
    {
      key: 'B',
      url: `${bareB.url}/whatsapp/send`,
      headers: { 'content-type': 'application/json' },
      pid: bareB.child.pid,
    },
    {
      key: 'C',
      url: `${bareC.url}/whatsapp/send`,
      headers: { 'content-type': 'application/json' },
      pid: bareC.child.pid,
    },
  ];

  // ---- Timed phase ----
  const { pairs, used } = await interleave({
    variants: variants(),
    pairs: PAIRS,
    deadline: Date.now() + 140_000, // timed phase budget: 3 pairs ≈ 130 s, so no extra pair
    runOne: async (v) => {
      await reset();
      const r = await measuredLoad(
        {
          url: v.url,
          method: 'POST',
          headers: v.headers,
          body,
          connections: CONNECTIONS,
          duration: DURATION,
          warmup: WARMUP,
        },
        { serverPids: [v.pid] },
      );
      r.summary = `${r.rps} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.serverCpuUsPerReq} µs CPU/req, non-2xx ${r.non2xx}, errors ${r.errors}`;
      return r;
    },
  });
  const ratioAB = pairRatios(used, 'A', 'B', (r) => r.rps);
  const ratioAC = pairRatios(used, 'A', 'C', (r) => r.rps);
  const ratioCB = pairRatios(used, 'C', 'B', (r) => r.rps);
  const cpuRatioAB = pairRatios(used, 'B', 'A', (r) => r.serverCpuUsPerReq); // B CPU ÷ A CPU (≤1 = A costs more)

  // The fairness check (MessageRepository.hasOtherUnfinished) runs on every Nest send; measure it on the backlog the
  // last timed run left behind, to show whether its cost grows with the backlog.
  const {
    rows: [{ n: queued }],
  } = await stack.owner.query(
    `SELECT count(*)::int AS n FROM messages WHERE tenant_id = $1 AND status IN ('queued', 'sending')`,
    [tenantId],
  );
  const backlogPlan = await stack.asRuntime(tenantId, async (client) => {
    const { rows } = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT EXISTS (
         SELECT 1 FROM messages WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND id <> $2
       ) AS busy`,
      [tenantId, randomUUID()],
    );
    const plan = rows[0]['QUERY PLAN'][0];
    return {
      queuedRows: queued,
      executionMs: plan['Execution Time'],
      buffers: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'],
    };
  });

  // ---- Counting phase (through the counting proxy; not timed) ----
  const proxy = await startPgCountingProxy();
  const redisCounter = await startRedisCounter(stack.redisUrl, stack.prefix);
  const proxied = runtimeUrl(proxy.port);
  await stack.restartApi({ DATABASE_APP_URL: proxied });
  await stopProcess(bareB.child);
  await stopProcess(bareC.child);
  bareB = await startBare(stack, 'insert', proxied);
  bareC = await startBare(stack, 'full', proxied);
  const counts = {};
  for (const v of variants()) {
    await reset();
    const send = () =>
      fetch(v.url, { method: 'POST', headers: v.headers, body }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    for (let i = 0; i < 20; i++) await send(); // warm caches (permission cache, prepared plans)
    proxy.reset();
    redisCounter.reset();
    let accepted = 0;
    for (let i = 0; i < COUNT_REQUESTS; i++) if ((await send()) === 202) accepted += 1;
    const sql = proxy.snapshot();
    const redis = redisCounter.snapshot();
    const control = Object.entries(sql.byStatement)
      .filter(([label]) => /^(START TRANSACTION|BEGIN|COMMIT|SELECT set_config)/i.test(label))
      .reduce((sum, [, n]) => sum + n, 0);
    counts[v.key] = {
      accepted,
      sqlPerSend: round(sql.total / accepted, 2),
      dataSqlPerSend: round((sql.total - control) / accepted, 2),
      sqlByStatement: perRequest(sql.byStatement, accepted),
      redisCommandsPerSend: round(redis.total / accepted, 2),
      redisByCommand: perRequest(redis.commands, accepted),
      redisInScriptCommandsPerSend: round(redis.scriptTotal / accepted, 2),
    };
  }
  // Background Redis traffic of an idle API (should be ~0: no workers).
  redisCounter.reset();
  await sleep(2000);
  const idleRedis = redisCounter.snapshot();
  await redisCounter.close();
  await proxy.close();

  // ---- Results ----
  const a = counts.A;
  const doc = {
    benchmark: 'a',
    title: 'POST /whatsapp/send: Nest vs bare Fastify',
    settings: {
      pairs: PAIRS,
      durationS: DURATION,
      warmupS: WARMUP,
      connections: CONNECTIONS,
      pinned: process.env.BENCH_PIN !== '0',
      logLevel: stack.env.LOG_LEVEL,
      poolSize: 10,
    },
    ratios: { rpsAoverB: ratioAB, rpsAoverC: ratioAC, rpsCoverB: ratioCB, cpuPerReqBoverA: cpuRatioAB },
    medians: {
      rpsAoverB: med(ratioAB),
      rpsAoverC: med(ratioAC),
      rpsCoverB: med(ratioCB),
      ...loadMedians(used, ['A', 'B', 'C']),
    },
    counts,
    backlogCountQuery: backlogPlan,
    idleRedisCommandsIn2s: idleRedis.total,
    pairs,
    machine: { ...stack.machine, quietCheck: stack.quiet, loadAfter: loadAverage() },
    elapsedS: round((Date.now() - started) / 1000, 1),
  };
  const maxForeign = maxOf(pairs, (r) => r.machine.foreignCores);
  const maxSteal = maxOf(pairs, (r) => r.machine.stealPct);
  const noisyPairs = pairs.filter((p) => p.noisy).length;
  const machine = machineNote(stack.machine, {
    loadAfter: loadAverage(),
    maxForeign,
    maxSteal,
    extra: `${used.length}/${pairs.length} pairs used${noisyPairs ? ` (${noisyPairs} noisy)` : ''}; API+bare pinned to CPU 1, autocannon CPU 0; LOG_LEVEL=${stack.env.LOG_LEVEL}`,
  });
  const date = today();
  const m = doc.medians;
  const fmt = (c) =>
    Object.entries(c)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ');
  writeRows('a', [
    {
      benchmark: 'POST /whatsapp/send throughput',
      ab: 'A: Nest (guard+JWT+perm cache+validation+throttler+tenant tx+queue.add, no workers) vs B: bare Fastify (set_config+same INSERT+queue.add same options)',
      metric: `RPS_A ÷ RPS_B, ${used.length} pairs ABC-interleaved, ${DURATION} s + ${WARMUP} s warm-up, autocannon -c ${CONNECTIONS}`,
      goal: '≥ 0.90 / ≥ 0.75',
      result: `median ${m.rpsAoverB} (pairs ${ratioAB.join(', ')}); A ${m.rps.A} req/s, B ${m.rps.B} req/s; server CPU/req A ${m.serverCpuUsPerReq.A} µs, B ${m.serverCpuUsPerReq.B} µs`,
      verdict: ratioVerdict(ratioAB, { best: 0.9, acceptable: 0.75 }),
      date,
      machine,
    },
    {
      benchmark: 'POST /whatsapp/send, same SQL both sides',
      ab: 'A: Nest vs C: bare Fastify doing the same data work as the Nest service (7 statements: device lookup, INSERT, audit INSERT, backlog check; fair-position EVAL; queue.add)',
      metric: 'RPS_A ÷ RPS_C (framework share only); also RPS_C ÷ RPS_B (cost of the extra SQL)',
      goal: '≥ 0.90 / ≥ 0.75 (A÷C); informational (C÷B)',
      result: `A÷C median ${m.rpsAoverC} (${ratioAC.join(', ')}); C÷B median ${m.rpsCoverB} (${ratioCB.join(', ')}); C ${m.rps.C} req/s, CPU/req C ${m.serverCpuUsPerReq.C} µs; the per-send backlog check took ${round(backlogPlan.executionMs, 3)} ms / ${backlogPlan.buffers} buffers with ${backlogPlan.queuedRows} queued rows`,
      verdict: ratioVerdict(ratioAC, { best: 0.9, acceptable: 0.75 }),
      date,
      machine,
    },
    {
      benchmark: 'POST /whatsapp/send counters',
      ab: `A: Nest vs B: bare (${COUNT_REQUESTS} sequential sends each, counted on the wire)`,
      metric:
        'SQL statements and Redis commands per accepted send (PG wire-protocol counter; Redis MONITOR, our connections only)',
      goal: '1 SQL statement (besides BEGIN/set_config/COMMIT) + 1 Redis EVALSHA per send (§3 note a)',
      result: `A: ${a.sqlPerSend} SQL/send, ${a.dataSqlPerSend} besides tx control (${fmt(a.sqlByStatement)}); Redis ${a.redisCommandsPerSend} cmds/send (${fmt(a.redisByCommand)}) + ${a.redisInScriptCommandsPerSend} inside scripts. B: ${counts.B.sqlPerSend} SQL/send, Redis ${counts.B.redisCommandsPerSend} cmds/send (${fmt(counts.B.redisByCommand)})`,
      verdict: a.dataSqlPerSend <= 1 && a.redisCommandsPerSend <= 1 ? 'PASS' : 'MISS',
      date,
      machine: machineNote(stack.machine, { extra: 'timing-independent' }),
    },
  ]);
  await writeJson('send', doc);
});
