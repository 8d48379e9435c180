import { RunningEmulator, startEmulator } from 'waha-emulator';
import type { EmulatorOptions } from 'waha-emulator';

export const EMULATOR_KEY = 'test-waha-key';

/** A WAHA emulator on an ephemeral port with timings short enough for tests. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    apiKey: EMULATOR_KEY,
    logger: false,
    startingDelayMs: 100,
    ackDelayMs: 50,
    qrFirstMs: 60_000,
    qrNextMs: 20_000,
    ...options,
  });
}

/** Calls the emulator's control API (or any WAHA route) with the API key. */
export async function emulatorCall<T = unknown>(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      'X-Api-Key': EMULATOR_KEY,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
