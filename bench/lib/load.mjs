// Runs the load generator in its own process (pinned to the load CPU) and measures the machine meanwhile.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CpuMeter, NOISY_FOREIGN_CORES, processCpuSeconds } from './machine.mjs';
import { LOAD_CPU, PIN } from './proc.mjs';

const CHILD = fileURLToPath(new URL('./load-child.mjs', import.meta.url));

function runChild(opts) {
  return new Promise((resolve, reject) => {
    const args = [CHILD, JSON.stringify(opts)];
    const [cmd, argv] = PIN
      ? ['taskset', ['-c', LOAD_CPU, process.execPath, ...args]]
      : [process.execPath, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator failed (${code}): ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`load generator printed no JSON: ${out.slice(-500)} ${err.slice(-500)}`));
      }
    });
  });
}

/**
 * Warm-up (separate autocannon run, not measured), then the measured run with a CPU meter around it.
 * `serverPids`: processes whose CPU per request is reported (the server under test).
 */
export async function measuredLoad(opts, { serverPids = [] } = {}) {
  if (opts.warmup > 0) await runChild({ ...opts, duration: opts.warmup, warmup: 0 });
  const cpu0 = serverPids.map((pid) => processCpuSeconds(pid) ?? 0);
  const meter = new CpuMeter().start();
  const load = await runChild({ ...opts, warmup: 0 });
  const machine = meter.stop();
  const serverCpuSeconds = serverPids.reduce(
    (sum, pid, i) => sum + ((processCpuSeconds(pid) ?? 0) - cpu0[i]),
    0,
  );
  return {
    ...load,
    serverCpuUsPerReq: load.ok ? Math.round((serverCpuSeconds / load.ok) * 1e6) : null,
    machine,
    noisy: machine.foreignCores > NOISY_FOREIGN_CORES,
  };
}
