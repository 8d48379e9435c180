import { availableInPlusVersion } from '../errors';
import type { RouteContext } from '../server';
import { json } from './util';

export function registerServerRoutes({ emulator, route }: RouteContext): void {
  route('GET', '/ping', { auth: false }, (_request, reply) => json(reply, 200, { message: 'pong' }));

  const version: Parameters<RouteContext['route']>[3] = (_request, reply) =>
    json(reply, 200, emulator.environment());
  route('GET', '/api/server/version', { auth: true, fault: 'server' }, version);
  // Deprecated alias, still served by WAHA.
  route('GET', '/api/version', { auth: true, fault: 'server' }, version);

  route('GET', '/api/server/status', { auth: true, fault: 'server' }, (_request, reply) => {
    const now = Date.now();
    return json(reply, 200, {
      startTimestamp: emulator.startedAt,
      uptime: now - emulator.startedAt,
      worker: { id: '' },
    });
  });

  // Plus: @nestjs/terminus health report; Core: a Plus-only feature (422).
  route('GET', '/health', { auth: true, fault: 'server' }, (_request, reply) => {
    if (emulator.isCore) {
      throw availableInPlusVersion(emulator.options.engine);
    }
    return json(reply, 200, { status: 'ok', info: {}, error: {}, details: {} });
  });
}
