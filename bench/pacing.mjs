// Benchmark (b2): per-device pacing accuracy.
//
// MESSAGE_RATE_PER_DEVICE_PER_MINUTE=600 (one send per 100 ms) and MESSAGE_JITTER_MS=0 (the random extra gap
// would make the expected rate unknowable), workers in the API process (the default deployment). 200 sends are
// accepted on one WORKING device as fast as the API takes them; the drain is read back from the WAHA emulator's
// /emulator/sent log (`at` = when the emulator accepted each sendText, ms resolution).
//   rate   = (n - 1) / (last.at - first.at)  vs  configured 10/s  → measured ÷ configured
//   gaps   = consecutive differences; min gap must be ≥ 100 ms minus a small tolerance (5 ms: HTTP transit
//            jitter between the worker's Redis-clock claim and the emulator's clock)
//   also   duplicates (a text sent twice) and losses (accepted but never sent).
//
// Runs BENCH_BATCHES drains (default 2, back to back) so one noisy moment does not decide the verdict alone.
//
// Env: BENCH_SENDS (200), BENCH_BATCHES (2), BENCH_RATE_PER_MINUTE (600), BENCH_GAP_TOLERANCE_MS (5).
import { CpuMeter, loadAverage, machineNote } from './lib/machine.mjs';
import { sleep, waitFor } from './lib/proc.mjs';
import { median, round, today, valueVerdict, writeJson, writeRows } from './lib/results.mjs';
import { withStack } from './lib/stack.mjs';

const SENDS = Number(process.env.BENCH_SENDS || 200);
const PER_MINUTE = Number(process.env.BENCH_RATE_PER_MINUTE || 600);
const TOLERANCE_MS = Number(process.env.BENCH_GAP_TOLERANCE_MS || 5);
const BATCHES = Number(process.env.BENCH_BATCHES || 2);
const GAP_MS = Math.ceil(60_000 / PER_MINUTE);
const started = Date.now();

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Accepts SENDS messages at once, waits for the emulator to have them all, analyses the gaps. */
async function drainBatch(stack, session, index) {
  const run = `r${Date.now().toString(36)}`;
  const texts = Array.from({ length: SENDS }, (_, i) => `pacing ${run} #${i}`);
  const meter = new CpuMeter().start();
  const t0 = Date.now();
  let next = 0;
  const accepted = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < texts.length) {
        const text = texts[next++];
        const { status, data } = await stack.api('POST', '/whatsapp/send', {
          token: stack.sender.token,
          body: { deviceId: stack.device.id, to: '+4915112345678', text },
        });
        if (status === 202) accepted.push({ text, id: data.id });
      }
    }),
  );
  const acceptSeconds = (Date.now() - t0) / 1000;

  const expectedDrainMs = (accepted.length - 1) * GAP_MS;
  const sent = await waitFor(
    `${accepted.length} sends to reach the emulator`,
    async () => {
      const { data } = await stack.emu('GET', `/emulator/sent?session=${encodeURIComponent(session)}`);
      const ours = data.filter((s) => s.text.startsWith(`pacing ${run} `));
      return ours.length >= accepted.length ? ours : null;
    },
    { timeoutMs: expectedDrainMs + 60_000, intervalMs: 500 },
  );
  await sleep(1500); // catch late duplicates
  const { data: all } = await stack.emu('GET', `/emulator/sent?session=${encodeURIComponent(session)}`);
  const machine = meter.stop();
  const ours = all.filter((s) => s.text.startsWith(`pacing ${run} `));
  const times = ours.map((s) => Date.parse(s.at)).sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const sortedGaps = [...gaps].sort((a, b) => a - b);
  const spanMs = times[times.length - 1] - times[0];
  const measuredPerSecond = (times.length - 1) / (spanMs / 1000);
  const configuredPerSecond = 1000 / GAP_MS;
  const rateRatio = round(measuredPerSecond / configuredPerSecond, 3);
  const counts = new Map();
  for (const s of ours) counts.set(s.text, (counts.get(s.text) ?? 0) + 1);
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const lost = accepted.filter((a) => !counts.has(a.text)).length;
  const minGap = sortedGaps[0];
  const belowGap = gaps.filter((g) => g < GAP_MS - TOLERANCE_MS).length;
  const firstSendLatencyMs = times[0] - t0;
  void sent;

  return {
    batch: index + 1,
    accepted: accepted.length,
    acceptSeconds: round(acceptSeconds, 2),
    sentRecords: ours.length,
    duplicates,
    lost,
    rate: { measuredPerSecond: round(measuredPerSecond, 3), configuredPerSecond, ratio: rateRatio, spanMs },
    gapsMs: {
      min: minGap,
      p1: percentile(sortedGaps, 1),
      p50: median(sortedGaps),
      p99: percentile(sortedGaps, 99),
      max: sortedGaps[sortedGaps.length - 1],
      belowGapMinusTolerance: belowGap,
    },
    // Each short gap with its neighbours: a short gap right after a long one is one send delivered late
    // (claim → HTTP arrival latency), not a burst.
    shortGaps: gaps
      .map((g, i) => ({ before: gaps[i - 1] ?? null, gap: g, after: gaps[i + 1] ?? null }))
      .filter((x) => x.gap < GAP_MS - TOLERANCE_MS),
    firstSendLatencyMs,
    machineDuringDrain: machine,
  };
}

await withStack(
  {
    name: 'pacing',
    workersInApi: true,
    device: true,
    env: { MESSAGE_RATE_PER_DEVICE_PER_MINUTE: String(PER_MINUTE), MESSAGE_JITTER_MS: '0' },
  },
  async (stack) => {
    const {
      rows: [device],
    } = await stack.owner.query('SELECT session_name FROM devices WHERE tenant_id = $1 AND id = $2', [
      stack.tenant.id,
      stack.device.id,
    ]);
    const session = device.session_name;
    await sleep(2000); // let the first directory sync finish
    await stack.emu('DELETE', '/emulator/sent', { expect: [200, 204] });

    const batches = [];
    for (let b = 0; b < BATCHES; b++) batches.push(await drainBatch(stack, session, b));
    const worst = (pick) => batches.map(pick);
    const { rows: statuses } = await stack.owner.query(
      `SELECT status, count(*)::int AS n FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND source = 'api' GROUP BY status`,
      [stack.tenant.id],
    );
    const doc = {
      benchmark: 'b2',
      title: 'Per-device pacing accuracy',
      settings: {
        sends: SENDS,
        batches: BATCHES,
        ratePerMinute: PER_MINUTE,
        jitterMs: 0,
        gapMs: GAP_MS,
        toleranceMs: TOLERANCE_MS,
        workers: 'in API process',
        concurrency: 5,
      },
      batches,
      dbStatuses: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
      machine: { ...stack.machine, quietCheck: stack.quiet, loadAfter: loadAverage() },
      elapsedS: round((Date.now() - started) / 1000, 1),
    };
    const ratios = worst((b) => b.rate.ratio);
    const minGaps = worst((b) => b.gapsMs.min);
    const duplicates = batches.reduce((n, b) => n + b.duplicates, 0);
    const lost = batches.reduce((n, b) => n + b.lost, 0);
    const below = batches.reduce((n, b) => n + b.gapsMs.belowGapMinusTolerance, 0);
    const minRatio = Math.min(...ratios);
    const rateVerdict = valueVerdict(minRatio, { best: 0.97, acceptable: 0.9, higherIsBetter: true });
    const overRate = Math.max(...ratios) > 1.005;
    const gapOk = Math.min(...minGaps) >= GAP_MS - TOLERANCE_MS;
    const verdict = overRate || !gapOk || duplicates || lost ? 'MISS' : rateVerdict;
    const describe = (b) =>
      `batch ${b.batch}: rate ${b.rate.measuredPerSecond}/s ÷ ${b.rate.configuredPerSecond}/s = ${b.rate.ratio}; gaps min ${b.gapsMs.min}, p1 ${b.gapsMs.p1}, p50 ${b.gapsMs.p50}, p99 ${b.gapsMs.p99}, max ${b.gapsMs.max} ms; ${b.gapsMs.belowGapMinusTolerance} gaps < ${GAP_MS - TOLERANCE_MS} ms${
        b.shortGaps.length
          ? ` (short gap after a long one: ${b.shortGaps
              .slice(0, 3)
              .map((x) => `${x.before}→${x.gap}`)
              .join(', ')})`
          : ''
      }; foreign CPU ${b.machineDuringDrain.foreignCores} cores`;
    writeRows('b2', [
      {
        benchmark: 'pacing accuracy (one device)',
        ab: `measured send rate on the emulator vs configured MESSAGE_RATE_PER_DEVICE_PER_MINUTE=${PER_MINUTE} (jitter 0); ${BATCHES} × ${SENDS} sends accepted at once; workers in the API`,
        metric: `rate ÷ configured; min gap between consecutive sends vs ${GAP_MS} ms − ${TOLERANCE_MS} ms; duplicates / losses`,
        goal: 'rate 0.97–1.00 and no gap below 1/r / rate 0.9–1.0; 0 duplicates, 0 lost',
        result: `${batches.map(describe).join('; ')}; ${duplicates} duplicates, ${lost} lost (${below} short gaps in total)`,
        verdict,
        date: today(),
        machine: machineNote(stack.machine, {
          loadAfter: loadAverage(),
          maxForeign: Math.max(...batches.map((b) => b.machineDuringDrain.foreignCores)),
          maxSteal: Math.max(...batches.map((b) => b.machineDuringDrain.stealPct)),
          extra: `${BATCHES} drains of ~${round(((SENDS - 1) * GAP_MS) / 1000, 1)} s; timing-sensitive (ms-resolution emulator timestamps)`,
        }),
      },
    ]);
    await writeJson('pacing', doc);
  },
);
