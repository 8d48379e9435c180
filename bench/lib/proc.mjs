// Child processes of the harness: started with their output in a log file (never piped through the harness,
// which would cost the harness CPU during measurements), optionally pinned to a CPU, stopped by their own pid.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, readSync } from 'node:fs';
import net from 'node:net';

/** BENCH_PIN=0 disables pinning. Server under test on CPU 1, load generator on CPU 0 (PERFORMANCE.md §1). */
export const PIN = process.env.BENCH_PIN !== '0' && existsSync('/usr/bin/taskset');
export const SERVER_CPU = '1';
export const LOAD_CPU = '0';

const running = new Set();

export function spawnLogged(command, args, { env = {}, cwd, logFile, cpu } = {}) {
  const fd = openSync(logFile, 'a');
  const [cmd, argv] = PIN && cpu !== undefined ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
  const child = spawn(cmd, argv, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.logFile = logFile;
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; only this child's pid. */
export async function stopProcess(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Kills every child still running (used on errors and signals). */
export function killAllChildren() {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until truthy; throws naming `what` after timeoutMs. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100, child } = {}) {
  const started = Date.now();
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `${what}: process exited (${child.exitCode ?? child.signalCode}); see ${child.logFile}\n${tail(child.logFile)}`,
      );
    }
    let value;
    try {
      value = await probe();
    } catch {
      value = null;
    }
    if (value) return value;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${child ? `; see ${child.logFile}\n${tail(child.logFile)}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

export function tail(file, bytes = 3000) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

/**
 * Follows a JSON-lines log file from its current end; `next(predicate, timeoutMs)` resolves with the first new
 * parsed line matching the predicate. Polls every 2 ms (cheap: reads only new bytes).
 */
export class LogFollower {
  constructor(file, { fromStart = false } = {}) {
    this.file = file;
    this.offset = !fromStart && existsSync(file) ? statSync(file).size : 0;
    this.partial = '';
  }

  readNew() {
    const size = existsSync(this.file) ? statSync(this.file).size : 0;
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    const buf = Buffer.alloc(size - this.offset);
    readSync(fd, buf, 0, buf.length, this.offset);
    closeSync(fd);
    this.offset = size;
    const text = this.partial + buf.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop();
    const out = [];
    for (const line of lines) {
      try {
        out.push(JSON.parse(line));
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  async next(predicate, timeoutMs = 60_000) {
    const started = Date.now();
    this.queue ??= [];
    for (;;) {
      while (this.queue.length) {
        const entry = this.queue.shift();
        if (predicate(entry)) return entry;
      }
      this.queue.push(...this.readNew());
      if (this.queue.length) continue;
      if (Date.now() - started > timeoutMs)
        throw new Error(`no matching log line in ${this.file} within ${timeoutMs} ms`);
      await sleep(2);
    }
  }
}
