// A/B interleaving (PERFORMANCE.md §1): A B [C] A B [C] …, one ratio per pair. A pair during which foreign work
// (other users of the box) used a noticeable share of a CPU is repeated once more at the end, time permitting;
// noisy pairs are kept in the JSON but only quiet ones enter the ratios (unless no pair was quiet).
import { median, round } from './results.mjs';

const log = (...args) => console.error('[bench]', ...args);

/**
 * variants: [{key, ...}]; runOne(variant, pairIndex) → {noisy, ...metrics}.
 * Returns {pairs: [{index, noisy, runs: {key: result}}], used: pairs entering the ratios}.
 */
export async function interleave({
  variants,
  pairs = 3,
  runOne,
  extraPairs = 1,
  deadline = Infinity,
  rotate = false,
}) {
  const done = [];
  let extra = 0;
  const t0 = Date.now();
  for (let i = 0; i < pairs + extra; i++) {
    const runs = {};
    // rotate: A B C, B C A, C A B, … (balances position effects such as a warming JIT or a checkpoint).
    const order = rotate
      ? [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)]
      : variants;
    for (const v of order) {
      runs[v.key] = await runOne(v, i);
      const r = runs[v.key];
      log(
        `pair ${i + 1} ${v.key}: ${r.summary ?? ''}${r.noisy ? ` (noisy: foreign ${r.machine?.foreignCores} cores)` : ''}`,
      );
    }
    const noisy = Object.values(runs).some((r) => r.noisy);
    done.push({ index: i + 1, noisy, runs });
    const quietSoFar = done.filter((p) => !p.noisy).length;
    // One more pair only if it is projected to end before the deadline (keeps each benchmark under 3 minutes).
    const perPair = (Date.now() - t0) / done.length;
    const fits = Date.now() + perPair * (pairs + extra - done.length + 1) <= deadline;
    if (noisy && extra < extraPairs && fits && quietSoFar < pairs) extra += 1;
  }
  const quiet = done.filter((p) => !p.noisy);
  const used = quiet.length >= Math.min(2, pairs) ? quiet : done;
  return { pairs: done, used };
}

/** Per-pair ratio metric(A)/metric(B) over the used pairs. */
export function pairRatios(used, a, b, metric) {
  return used.map((p) => round(metric(p.runs[a]) / metric(p.runs[b]), 3));
}

export function maxOf(pairs, pick) {
  const v = pairs.flatMap((p) => Object.values(p.runs).map(pick)).filter(Number.isFinite);
  return v.length ? round(Math.max(...v), 2) : null;
}

/** Per variant, the medians over the used pairs of what a load run measures: rps, server CPU per request, p50. */
export function loadMedians(used, keys) {
  const per = (pick, digits) =>
    Object.fromEntries(keys.map((k) => [k, round(median(used.map((p) => pick(p.runs[k]))), digits)]));
  return {
    rps: per((r) => r.rps, 1),
    serverCpuUsPerReq: per((r) => r.serverCpuUsPerReq, 0),
    latencyP50Ms: per((r) => r.latencyMs.p50, 2),
  };
}
