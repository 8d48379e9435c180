// Benchmark (e): an authenticated GET through the Nest stack vs an unauthenticated route of similar weight.
//
//   A  Nest GET /auth/me (global AuthGuard: passport-jwt + jwks-rsa RS256 verify, AccessService via the Redis
//      permission cache, throttler, pino request log, helmet, CORS).
//   B  baselines/bare-me.mjs: bare Fastify GET /auth/me returning the same JSON body (no auth at all).
//   C  Nest GET /.well-known/jwks.json: public, no guard work and no throttler, but it reads the signing keys from
//      PostgreSQL on every call (informational: Nest without auth, plus one query).
//
// Timed: autocannon, fixed connections, 3 s warm-up + 10 s measured per run, A B C interleaved × 3 pairs, server
// on CPU 1, autocannon on CPU 0. Counted (separate phase, counting proxy + Redis MONITOR): SQL statements and
// Redis commands per authenticated request once the permission cache is warm.
//
// Env: BENCH_PAIRS (3), BENCH_DURATION (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (16), BENCH_COUNT_REQUESTS (300).
import { interleave, loadMedians, maxOf, pairRatios } from './lib/abab.mjs';
import { perRequest, startPgCountingProxy, startRedisCounter } from './lib/counters.mjs';
import { measuredLoad } from './lib/load.mjs';
import { loadAverage, machineNote } from './lib/machine.mjs';
import { freePort, SERVER_CPU, sleep, spawnLogged, waitFor } from './lib/proc.mjs';
import { median, ratioVerdict, round, today, valueVerdict, writeJson, writeRows } from './lib/results.mjs';
import { BENCH_DIR, runtimeUrl, withStack } from './lib/stack.mjs';

const PAIRS = Number(process.env.BENCH_PAIRS || 3);
const DURATION = Number(process.env.BENCH_DURATION || 10);
const WARMUP = Number(process.env.BENCH_WARMUP || 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 16);
const COUNT_REQUESTS = Number(process.env.BENCH_COUNT_REQUESTS || 300);
const started = Date.now();
const med = (xs, digits = 3) => round(median(xs), digits);

await withStack({ name: 'auth' }, async (stack) => {
  const token = stack.sender.token;
  const { data: me } = await stack.api('GET', '/auth/me', { token, expect: [200] });
  const port = await freePort();
  const bare = spawnLogged(process.execPath, [`${BENCH_DIR}baselines/bare-me.mjs`], {
    env: { PORT: String(port), ME_BODY: JSON.stringify(me) },
    logFile: `${stack.logDir}bare-me.log`,
    cpu: SERVER_CPU,
  });
  stack.extra.push(bare);
  await waitFor('bare-me', async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { child: bare });

  const variants = () => [
    {
      key: 'A',
      url: `${stack.apiUrl}/auth/me`,
      headers: { authorization: `Bearer ${token}` },
      pid: stack.processes.api.pid,
    },
    { key: 'B', url: `http://127.0.0.1:${port}/auth/me`, headers: {}, pid: bare.pid },
    { key: 'C', url: `${stack.apiUrl}/.well-known/jwks.json`, headers: {}, pid: stack.processes.api.pid },
  ];

  const { pairs, used } = await interleave({
    variants: variants(),
    pairs: PAIRS,
    deadline: Date.now() + 140_000, // timed phase budget: 3 pairs ≈ 125 s
    runOne: async (v) => {
      const r = await measuredLoad(
        {
          url: v.url,
          method: 'GET',
          headers: v.headers,
          connections: CONNECTIONS,
          duration: DURATION,
          warmup: WARMUP,
        },
        { serverPids: [v.pid] },
      );
      r.summary = `${r.rps} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.serverCpuUsPerReq} µs CPU/req, non-2xx ${r.non2xx}`;
      return r;
    },
  });
  const ratioAB = pairRatios(used, 'A', 'B', (r) => r.rps);
  const ratioAC = pairRatios(used, 'A', 'C', (r) => r.rps);

  // ---- Counting phase ----
  const proxy = await startPgCountingProxy();
  const redisCounter = await startRedisCounter(stack.redisUrl, stack.prefix);
  await stack.restartApi({ DATABASE_APP_URL: runtimeUrl(proxy.port) });
  const counts = {};
  for (const v of variants().filter((x) => x.key !== 'B')) {
    const get = () =>
      fetch(v.url, { headers: v.headers }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    for (let i = 0; i < 10; i++) await get(); // warm: JWKS key set, permission cache
    proxy.reset();
    redisCounter.reset();
    let ok = 0;
    for (let i = 0; i < COUNT_REQUESTS; i++) if ((await get()) === 200) ok += 1;
    const sql = proxy.snapshot();
    const redis = redisCounter.snapshot();
    counts[v.key] = {
      ok,
      sqlPerRequest: round(sql.total / ok, 3),
      sqlByStatement: perRequest(sql.byStatement, ok),
      redisCommandsPerRequest: round(redis.total / ok, 3),
      redisByCommand: perRequest(redis.commands, ok),
    };
  }
  redisCounter.reset();
  await sleep(2000);
  const idleRedis = redisCounter.snapshot().total;
  await redisCounter.close();
  await proxy.close();

  const a = counts.A;
  const authRoundTrips = a.redisByCommand.MGET ?? 0;
  const doc = {
    benchmark: 'e',
    title: 'Authenticated GET /auth/me vs bare Fastify (and Nest public JWKS route)',
    settings: {
      pairs: PAIRS,
      durationS: DURATION,
      warmupS: WARMUP,
      connections: CONNECTIONS,
      logLevel: stack.env.LOG_LEVEL,
    },
    ratios: { rpsAoverB: ratioAB, rpsAoverC: ratioAC },
    medians: {
      rpsAoverB: med(ratioAB),
      rpsAoverC: med(ratioAC),
      ...loadMedians(used, ['A', 'B', 'C']),
    },
    counts,
    idleRedisCommandsIn2s: idleRedis,
    pairs,
    machine: { ...stack.machine, quietCheck: stack.quiet, loadAfter: loadAverage() },
    elapsedS: round((Date.now() - started) / 1000, 1),
  };
  const noisyPairs = pairs.filter((p) => p.noisy).length;
  const machine = machineNote(stack.machine, {
    loadAfter: loadAverage(),
    maxForeign: maxOf(pairs, (r) => r.machine.foreignCores),
    maxSteal: maxOf(pairs, (r) => r.machine.stealPct),
    extra: `${used.length}/${pairs.length} pairs used${noisyPairs ? ` (${noisyPairs} noisy)` : ''}; servers on CPU 1, autocannon CPU 0; LOG_LEVEL=${stack.env.LOG_LEVEL}`,
  });
  const m = doc.medians;
  const fmt = (c) =>
    Object.entries(c)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ') || 'none';
  const date = today();
  writeRows('e', [
    {
      benchmark: 'GET /auth/me throughput',
      ab: 'A: Nest /auth/me (guard: passport-jwt RS256 + Redis permission cache; throttler; request log) vs B: bare Fastify route returning the same JSON',
      metric: `RPS_A ÷ RPS_B, ${used.length} pairs interleaved, ${DURATION} s + ${WARMUP} s warm-up, autocannon -c ${CONNECTIONS}`,
      goal: '≥ 0.80 / ≥ 0.65 (no-DB route)',
      result: `median ${m.rpsAoverB} (pairs ${ratioAB.join(', ')}); A ${m.rps.A} req/s, B ${m.rps.B} req/s; server CPU/req A ${m.serverCpuUsPerReq.A} µs, B ${m.serverCpuUsPerReq.B} µs (CPU ratio B÷A ${round(m.serverCpuUsPerReq.B / m.serverCpuUsPerReq.A, 3)})${m.rps.B > 10_000 ? '; B is capped by autocannon on one core, so the true RPS ratio is lower still' : ''}`,
      verdict: ratioVerdict(ratioAB, { best: 0.8, acceptable: 0.65 }),
      date,
      machine,
    },
    {
      benchmark: 'GET /auth/me vs Nest public route',
      ab: 'A: Nest /auth/me vs C: Nest GET /.well-known/jwks.json (public, no throttler, 1 SQL per call)',
      metric: 'RPS_A ÷ RPS_C (informational: auth cost inside Nest vs one DB read)',
      goal: 'informational',
      result: `median ${m.rpsAoverC} (pairs ${ratioAC.join(', ')}); C ${m.rps.C} req/s, CPU/req C ${m.serverCpuUsPerReq.C} µs; C: ${counts.C.sqlPerRequest} SQL/req`,
      verdict: 'info',
      date,
      machine,
    },
    {
      benchmark: 'GET /auth/me counters',
      ab: `A: Nest /auth/me, ${COUNT_REQUESTS} sequential requests with a warm permission cache`,
      metric: 'SQL statements and Redis commands per authenticated request (wire counter; MONITOR)',
      goal: 'auth: 0 SQL and ≤ 1 Redis round trip (best: 0 with an in-process L1) / ≤ 1',
      result: `${a.sqlPerRequest} SQL/req (${fmt(a.sqlByStatement)}); Redis ${a.redisCommandsPerRequest} cmds/req (${fmt(a.redisByCommand)}): ${authRoundTrips} for auth (permission cache), the rest the rate limiter`,
      verdict: a.sqlPerRequest > 0.01 ? 'MISS' : valueVerdict(authRoundTrips, { best: 0, acceptable: 1 }),
      date,
      machine: machineNote(stack.machine, { extra: 'timing-independent' }),
    },
  ]);
  await writeJson('auth', doc);
});
