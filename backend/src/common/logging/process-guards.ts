import { ConfigError } from '../../config/app-config';

/** One JSON line on stderr, for the moments before (or after) the app's logger exists. */
function logLine(level: number, msg: string, err?: string): void {
  console.error(JSON.stringify(err === undefined ? { level, msg } : { level, msg, err }));
}

/**
 * Runs a process entry point (`main.ts`, `worker.ts`): a stray rejection (a dependency failing mid-shutdown, say)
 * is logged, not allowed to kill the process; a failed start is one log line naming the cause, then exit 1.
 */
export function runEntryPoint(what: string, main: () => Promise<void>): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logLine(50, 'Unhandled rejection', (reason as Error)?.message ?? String(reason));
  });
  main().catch((error: unknown) => {
    logLine(60, error instanceof ConfigError ? error.message : `${what} failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
