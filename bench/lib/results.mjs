// Results: one JSON document per benchmark on stdout and in bench/results/<name>.json, and its rows in
// bench/RESULTS.md (a markdown table; a benchmark's rows are replaced in place when it runs again).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_MD = `${BENCH_DIR}RESULTS.md`;

const HEADER = `# Benchmark results

Written by the benchmarks in this directory (\`node bench/<name>.mjs\`, or \`npm run bench -w bench\` for all); each run
replaces its own rows. Method: /work/shared/PERFORMANCE.md (ratios, A/B interleaving, timing-independent counters).
Verdicts: **PASS** = best-in-class goal met, **OK** = acceptable goal met, **MISS** = neither. A timed ratio passes only if
the median of the pairs meets it and a majority of the pairs do. Full numbers per run: \`bench/results/<name>.json\`.

| benchmark | A vs B | metric | goal (best / acceptable) | result | verdict | date | machine |
|---|---|---|---|---|---|---|---|
`;

const cell = (v) =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, '<br>');

/** Replaces the rows of benchmark `id` (rows whose first cell starts with "(id)") with `rows`. */
export function writeRows(id, rows) {
  const text = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : HEADER;
  const lines = text.replace(/\n+$/, '').split('\n');
  const tag = `| (${id}) `;
  const rendered = rows.map(
    (r) =>
      `| (${id}) ${cell(r.benchmark)} | ${cell(r.ab)} | ${cell(r.metric)} | ${cell(r.goal)} | ${cell(r.result)} | ${cell(r.verdict)} | ${cell(r.date)} | ${cell(r.machine)} |`,
  );
  const first = lines.findIndex((l) => l.startsWith(tag));
  const kept = lines.filter((l) => !l.startsWith(tag));
  if (first === -1) {
    kept.push(...rendered);
  } else {
    const at = lines.slice(0, first).filter((l) => !l.startsWith(tag)).length;
    kept.splice(at, 0, ...rendered);
  }
  // Keep rows sorted by benchmark id so the table reads a, b2, c, d, e whatever the run order.
  const headerEnd = kept.findIndex((l) => l.startsWith('|---'));
  const head = kept.slice(0, headerEnd + 1);
  const body = kept.slice(headerEnd + 1).filter((l) => l.startsWith('| ('));
  const key = (l) => /^\| \(([^)]+)\)/.exec(l)?.[1] ?? '';
  body.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  writeFileSync(RESULTS_MD, `${[...head, ...body].join('\n')}\n`);
}

/** Prints the document and stores it, formatted like the repository's Prettier would (so `npm run lint` passes). */
export async function writeJson(name, doc) {
  mkdirSync(`${BENCH_DIR}results`, { recursive: true });
  const file = `${BENCH_DIR}results/${name}.json`;
  let text = `${JSON.stringify(doc, null, 2)}\n`;
  try {
    const prettier = (await import('prettier')).default;
    text = await prettier.format(text, { ...((await prettier.resolveConfig(file)) ?? {}), parser: 'json' });
  } catch {
    /* Prettier not installed: plain JSON */
  }
  writeFileSync(file, text);
  process.stdout.write(text);
}

export const today = () => new Date().toISOString().slice(0, 16).replace('T', ' ') + 'Z';

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const round = (x, digits = 2) =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x;

/**
 * Verdict of per-pair ratios against a best and an acceptable threshold. `higherIsBetter`: ratio ≥ goal passes;
 * otherwise ratio ≤ goal passes. Median must meet it and a majority of pairs too.
 */
export function ratioVerdict(ratios, { best, acceptable, higherIsBetter = true }) {
  const meets = (r, g) => (higherIsBetter ? r >= g : r <= g);
  const majority = (g) => ratios.filter((r) => meets(r, g)).length * 2 > ratios.length;
  const m = median(ratios);
  if (best !== undefined && meets(m, best) && majority(best)) return 'PASS';
  if (acceptable !== undefined && meets(m, acceptable) && majority(acceptable)) return 'OK';
  return 'MISS';
}

/** Verdict of a single (timing-independent) value. */
export function valueVerdict(value, { best, acceptable, higherIsBetter = false }) {
  const meets = (g) => (higherIsBetter ? value >= g : value <= g);
  if (best !== undefined && meets(best)) return 'PASS';
  if (acceptable !== undefined && meets(acceptable)) return 'OK';
  return 'MISS';
}

export const spread = (values) => {
  const v = values.filter(Number.isFinite);
  return v.length ? `${round(Math.min(...v))}–${round(Math.max(...v))}` : 'n/a';
};
