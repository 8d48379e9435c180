// Timing-independent counters (PERFORMANCE.md §1): SQL statements and Redis commands per request.
//
// SQL: pg_stat_statements needs shared_preload_libraries (a server restart) and the shared PostgreSQL on this
// box does not load it, so statements are counted on the wire instead: a transparent TCP proxy in front of
// PostgreSQL that reads the frontend protocol and counts simple Query ('Q') and Execute ('E') messages, with
// the statement text (from 'Q', or 'Parse' → 'Bind' → 'Execute'). It is only used in counting phases, never
// in timed runs (it costs CPU). pg_stat_database deltas (xact_commit, tup_inserted) are not used: idle backends
// flush them only every ~10 s (PGSTAT_IDLE_INTERVAL), so short counting phases read stale values. Redis
// INFO commandstats is not used either: it is global to a Redis shared with other users.
//
// Redis: MONITOR on the Redis server, keeping only connections that touched a key under our REDIS_KEY_PREFIX
// (works on a shared Redis: other users' traffic is ignored). Commands executed inside Lua scripts show as
// "lua" lines right after their EVAL/EVALSHA and are reported separately (they are not round trips).
import net from 'node:net';
import Redis from 'ioredis';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

function cstring(buf, offset) {
  const end = buf.indexOf(0, offset);
  return { value: buf.toString('utf8', offset, end), next: end + 1 };
}

/** Short, stable label for a statement: first words, whitespace collapsed, literals kept (they are fixed). */
export function statementLabel(sql) {
  const text = String(sql ?? '?')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH)\s/i.exec(text);
  if (/^select set_config\('app\.tenant_id'/i.test(text)) return "SELECT set_config('app.tenant_id')";
  if (m && /^INSERT INTO/i.test(text)) return `INSERT INTO ${text.split(' ')[2]}`;
  if (m && /^UPDATE/i.test(text)) return `UPDATE ${text.split(' ')[1]}`;
  if (m && /^DELETE FROM/i.test(text)) return `DELETE FROM ${text.split(' ')[2]}`;
  if (m && /^SELECT/i.test(text)) {
    const from = /\sFROM\s+("?[\w.]+"?)/i.exec(text);
    const fn = /^SELECT \* FROM (\w+)\(/i.exec(text);
    if (fn) return `SELECT ${fn[1]}()`;
    const what = /count\(\*\)/i.test(text.slice(0, 40)) ? 'count(*) ' : '';
    return `SELECT ${what}FROM ${from ? from[1].replace(/"/g, '') : '?'}`;
  }
  return text.slice(0, 40);
}

export async function startPgCountingProxy({ upstreamHost = '127.0.0.1', upstreamPort = 5432 } = {}) {
  let counts = new Map();
  let total = 0;
  const sockets = new Set();

  const record = (sql) => {
    total += 1;
    const label = statementLabel(sql);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    upstream.pipe(client);
    const prepared = new Map(); // statement name → text
    const portals = new Map(); // portal name → text
    let buf = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSS_REQUEST && code !== CANCEL_REQUEST) started = true;
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const type = String.fromCharCode(buf[0]);
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        const body = buf.subarray(5, 1 + len);
        if (type === 'Q') {
          record(cstring(body, 0).value);
        } else if (type === 'P') {
          const name = cstring(body, 0);
          prepared.set(name.value, cstring(body, name.next).value);
        } else if (type === 'B') {
          const portal = cstring(body, 0);
          const stmt = cstring(body, portal.next);
          portals.set(portal.value, prepared.get(stmt.value));
        } else if (type === 'E') {
          record(portals.get(cstring(body, 0).value));
        }
        buf = buf.subarray(1 + len);
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    reset() {
      counts = new Map();
      total = 0;
    },
    snapshot() {
      return { total, byStatement: Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1])) };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Redis commands of our connections (those touching `prefix`), via MONITOR. */
export async function startRedisCounter(redisUrl, prefix) {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const monitor = await client.monitor();
  let ours = new Set();
  let lines = [];
  let lastClient = null;
  monitor.on('monitor', (_time, args, source) => {
    lines.push({ args, source });
  });
  const analyse = () => {
    // Pass 1: which client connections touched our prefix.
    for (const { args, source } of lines) {
      if (source !== 'lua' && args.slice(1).some((a) => String(a).startsWith(prefix))) ours.add(source);
    }
    const commands = {};
    const inScripts = {};
    let total = 0;
    let scriptTotal = 0;
    for (const { args, source } of lines) {
      const name = String(args[0]).toUpperCase();
      if (source === 'lua') {
        if (lastClient && ours.has(lastClient)) {
          scriptTotal += 1;
          inScripts[name] = (inScripts[name] ?? 0) + 1;
        }
        continue;
      }
      lastClient = source;
      if (!ours.has(source)) continue;
      total += 1;
      commands[name] = (commands[name] ?? 0) + 1;
    }
    return { total, commands, scriptTotal, inScripts, connections: ours.size };
  };
  return {
    reset() {
      lines = [];
      lastClient = null;
    },
    snapshot() {
      return analyse();
    },
    async close() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

export function perRequest(counts, n) {
  const out = {};
  for (const [k, v] of Object.entries(counts)) out[k] = Math.round((v / n) * 100) / 100;
  return out;
}
