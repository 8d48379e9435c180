// Machine state for every result: nproc, load average, steal, and a CPU meter that splits the box's busy time
// into "ours" (this harness and its children, the PostgreSQL backends of the bench database, PostgreSQL's
// shared background processes, the Redis server) and "foreign" (everything else: other engineers' tests).
// A run during which foreign work used a noticeable share of a core is flagged as noisy.
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export const BENCH_DB = 'whatsapp_bench';
const HZ = 100; // USER_HZ on Linux

/** Busy/idle/steal jiffies of the whole machine (/proc/stat "cpu" line). */
export function machineJiffies() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal || 0 };
}

function procStat(pid) {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const fields = raw.slice(close + 2).split(' ');
    // fields[0] = state (field 3); ppid = field 4; utime = 14; stime = 15; cutime = 16; cstime = 17.
    // For the harness itself, reaped children (load generators that exited) count too.
    const children = pid === process.pid ? Number(fields[13]) + Number(fields[14]) : 0;
    return {
      pid,
      comm,
      ppid: Number(fields[1]),
      jiffies: Number(fields[11]) + Number(fields[12]) + children,
    };
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** CPU seconds (user+system, all threads) a process has used so far; null if it is gone. */
export function processCpuSeconds(pid) {
  const s = procStat(pid);
  return s ? s.jiffies / HZ : null;
}

const PG_SHARED =
  /postgres: \S+: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver|stats collector)/;

/** pid → {jiffies, ours} for every process, classified. */
function snapshotProcesses() {
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s) all.set(s.pid, s);
  }
  // Descendants of this harness process.
  const children = new Map();
  for (const s of all.values()) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(s.pid);
  }
  const ours = new Set();
  const stack = [process.pid];
  while (stack.length) {
    const pid = stack.pop();
    if (ours.has(pid)) continue;
    ours.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  const out = new Map();
  for (const s of all.values()) {
    let mine = ours.has(s.pid);
    if (!mine && s.comm === 'postgres') {
      const cmd = cmdline(s.pid);
      mine = cmd.includes(` ${BENCH_DB} `) || PG_SHARED.test(cmd) || cmd.includes('/bin/postgres ');
    }
    if (!mine && s.comm === 'redis-server') mine = true;
    out.set(s.pid, { jiffies: s.jiffies, ours: mine, comm: s.comm });
  }
  return out;
}

/** Measures a window: wall time, cores busy in total, ours, foreign, steal %. */
export class CpuMeter {
  start() {
    this.t0 = process.hrtime.bigint();
    this.m0 = machineJiffies();
    this.p0 = snapshotProcesses();
    return this;
  }

  stop() {
    const wall = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const m1 = machineJiffies();
    const p1 = snapshotProcesses();
    let ours = 0;
    for (const [pid, p] of p1) {
      if (!p.ours) continue;
      const before = this.p0.get(pid);
      // A process born during the window (e.g. the load generator) used all its CPU inside the window.
      ours += before ? Math.max(0, p.jiffies - before.jiffies) : p.jiffies;
    }
    const busy = m1.busy - this.m0.busy;
    const total = busy + (m1.idle - this.m0.idle) + (m1.steal - this.m0.steal);
    const cores = (j) => Math.round((j / HZ / wall) * 100) / 100;
    return {
      wallSeconds: Math.round(wall * 100) / 100,
      busyCores: cores(busy),
      oursCores: cores(Math.min(ours, busy)),
      foreignCores: cores(Math.max(0, busy - ours)),
      stealPct: total > 0 ? Math.round(((m1.steal - this.m0.steal) / total) * 1000) / 10 : 0,
    };
  }
}

/** Foreign CPU above this (in cores) during a timed run marks the run as noisy. */
export const NOISY_FOREIGN_CORES = Number(process.env.BENCH_NOISY_FOREIGN_CORES || 0.2);

export function loadAverage() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * Waits (up to maxWaitMs) until the machine is quiet: foreign CPU over a 2 s window below `foreignCores`.
 * Returns what it saw; never fails (a busy box is reported, not hidden).
 */
export async function waitForQuietMachine({
  maxWaitMs = 45_000,
  foreignCores = 0.3,
  log = console.error,
} = {}) {
  const started = Date.now();
  let sample;
  for (;;) {
    const meter = new CpuMeter().start();
    await new Promise((r) => setTimeout(r, 2000));
    sample = meter.stop();
    if (sample.foreignCores <= foreignCores) break;
    if (Date.now() - started > maxWaitMs) {
      log(
        `[bench] machine still busy after ${maxWaitMs / 1000}s (foreign ${sample.foreignCores} cores); measuring anyway`,
      );
      break;
    }
    log(
      `[bench] machine busy (foreign ${sample.foreignCores} cores, load ${loadAverage().join(' ')}); waiting`,
    );
    await new Promise((r) => setTimeout(r, 3000));
  }
  return { waitedMs: Date.now() - started, foreignCores: sample.foreignCores, load: loadAverage() };
}

export function machineInfo() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu,
    node: process.version,
    load: loadAverage(),
  };
}

/** "nproc 2, load 0.4/0.8/1.2 → 1.9/…, foreign ≤0.05 cores, steal 0%" */
export function machineNote(info, { loadAfter, maxForeign, maxSteal, extra } = {}) {
  const parts = [
    `nproc ${info.nproc}`,
    `load ${info.load.join('/')}${loadAfter ? ` → ${loadAfter.join('/')}` : ''}`,
  ];
  if (maxForeign !== undefined) parts.push(`foreign CPU ≤ ${maxForeign} cores`);
  if (maxSteal !== undefined) parts.push(`steal ≤ ${maxSteal}%`);
  if (extra) parts.push(extra);
  if (info.build) {
    const b = info.build;
    const stale = b.srcNewerThanDist.length
      ? ` (STALE: ${b.srcNewerThanDist.length} src file(s) newer than dist, e.g. ${b.srcNewerThanDist[0]})`
      : '';
    parts.push(`code: HEAD ${b.head}, dist built ${b.distBuiltAt}${stale}`);
  }
  return parts.join(', ');
}
