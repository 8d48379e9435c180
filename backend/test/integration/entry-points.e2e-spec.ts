import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureWorkerBuilt } from '../utils/messaging';

interface Exit {
  code: number | null;
  lines: Array<Record<string, unknown>>;
}

/** Runs a built entry point with one variable broken and collects its JSON lines on stderr. */
function run(entry: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(__dirname, '..', '..', 'dist', entry)],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, _stdout, stderr) => {
        const lines = stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, lines });
      },
    );
  });
}

// Issue: a missing or malformed variable stops the process with a message naming it.
describe('Entry points with a bad configuration', () => {
  beforeAll(() => ensureWorkerBuilt(), 150_000);

  it.each([
    ['main.js', { PORT: 'eighty' }, 'PORT'],
    ['worker.js', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  ])('%s exits 1 with one fatal JSON line naming the variable', async (entry, env, name) => {
    const { code, lines } = await run(entry, env);
    expect(code).toBe(1);
    const fatal = lines.filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toEqual(expect.stringContaining(name));
  });
});
