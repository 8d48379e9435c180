// Load generator process (spawned by load.mjs, pinned to its own CPU): autocannon with a fixed connection count,
// an optional warm-up run, then the measured run. Prints one JSON object on stdout.
// Latencies are taken from autocannon's per-response `responseTime` (float ms): its own histogram rounds to
// whole milliseconds, too coarse for 1-3 ms requests.
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);

function run(duration, record) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = {};
    const instance = autocannon(
      {
        url: opts.url,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        body: opts.body,
        connections: opts.connections ?? 10,
        pipelining: 1,
        duration,
        amount: record ? opts.amount : undefined,
        overallRate: opts.rate,
        timeout: opts.timeoutSeconds ?? 10,
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies, statuses })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (record && statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[idx] * 1000) / 1000;
}

if (opts.warmup > 0) await run(opts.warmup, false);
const started = Date.now();
const { result, latencies, statuses } = await run(opts.duration, true);
const seconds = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const ok = result['2xx'];
process.stdout.write(
  JSON.stringify({
    seconds: Math.round(seconds * 100) / 100,
    requests: result.requests.sent,
    ok,
    rps: Math.round((ok / seconds) * 10) / 10,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
      mean: latencies.length
        ? Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 1000) / 1000
        : null,
    },
  }),
);
