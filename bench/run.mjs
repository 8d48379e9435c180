// Runs every benchmark (or the ones named on the command line), one after the other, each in its own process,
// then prints bench/RESULTS.md. `npm run bench -w bench` or `node bench/run.mjs [send pacing messages-page …]`.
// Requires the compiled backend and emulator (npm run build -w backend && npm run build -w waha-emulator).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const ALL = [
  ['send', '(a) POST /whatsapp/send: Nest vs bare Fastify'],
  ['pacing', '(b2) per-device pacing accuracy'],
  ['messages-page', '(c) GET /messages keyset page at 10k / 100k / 1M rows'],
  ['contact-sync', '(d) contact sync of 10,000 contacts vs raw SQL'],
  ['auth', '(e) authenticated GET vs bare route'],
];

for (const built of ['backend/dist/main.js', 'backend/dist/worker.js', 'waha-emulator/dist/main.js']) {
  if (!existsSync(`${DIR}../${built}`)) {
    console.error(
      `missing ${built}: build first (npm run build -w backend && npm run build -w waha-emulator)`,
    );
    process.exit(1);
  }
}

const wanted = process.argv.slice(2);
const selected = wanted.length ? ALL.filter(([name]) => wanted.includes(name)) : ALL;
if (wanted.length && selected.length !== wanted.length) {
  console.error(`unknown benchmark; choose from: ${ALL.map(([n]) => n).join(', ')}`);
  process.exit(1);
}

const failed = [];
for (const [name, title] of selected) {
  console.error(`\n=== ${title} (bench/${name}.mjs) ===`);
  const t0 = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [`${DIR}${name}.mjs`], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  console.error(
    `=== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${Math.round((Date.now() - t0) / 1000)} s; JSON in bench/results/${name}.json`,
  );
  if (code !== 0) failed.push(name);
}

if (existsSync(`${DIR}RESULTS.md`)) console.log(readFileSync(`${DIR}RESULTS.md`, 'utf8'));
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
