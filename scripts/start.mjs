#!/usr/bin/env node
// `npm start`: builds the API and the WAHA emulator, then runs the emulator (unless WAHA_URL/WAHA_SERVERS
// point at a real WAHA), the API (which creates the database and runs migrations) and the portal's dev
// server, with prefixed output. Ctrl-C stops everything; if one process dies, the others are stopped too.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
env.NODE_ENV ??= 'development';
env.WAHA_EMULATOR_PORT ??= '3100';
const useEmulator = !env.WAHA_URL && !env.WAHA_SERVERS;
if (useEmulator) env.WAHA_API_KEY ??= 'emulator-dev-key';

const build = spawnSync('npm', ['run', 'build', '-w', 'waha-emulator', '-w', 'backend'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (build.status !== 0) process.exit(build.status ?? 1);

const colors = { waha: 35, api: 36, portal: 32 };
const children = [];
let stopping = false;

function run(name, command, args) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `\u001b[${colors[name]}m[${name}]\u001b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stdout.write(`${prefix}exited (${signal ?? code}); stopping the others\n`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(
    () => process.exit(code),
  );
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

if (useEmulator) run('waha', process.execPath, ['waha-emulator/dist/main.js']);
run('api', process.execPath, ['backend/dist/main.js']);
run('portal', 'npm', [
  'run',
  'dev',
  '-w',
  'frontend',
  '--',
  '--host',
  '127.0.0.1',
  '--port',
  '5173',
  '--strictPort',
]);
