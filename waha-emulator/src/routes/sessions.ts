import { badRequest, notFound, unprocessable } from '../errors';
import { prefixedId } from '../ids';
import type { RouteContext } from '../server';
import { queryBool, queryString, validateSessionConfig, validateSessionCreate } from '../validation';
import { bodyOf, empty, json, paramOf, queryOf } from './util';

const SESSIONS = { auth: true, fault: 'sessions' } as const;

export function registerSessionsRoutes({ emulator, route }: RouteContext): void {
  route('GET', '/api/sessions', SESSIONS, (request, reply) => {
    const all = queryBool(queryString(queryOf(request).all)) ?? false;
    return json(reply, 200, emulator.list(all));
  });

  route('POST', '/api/sessions', SESSIONS, (request, reply) => {
    const { value, errors } = validateSessionCreate(request.body);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    // 2025.11.3 treats a missing `start` as false (the docs say true).
    const name = value.name || prefixedId('session');
    const session = emulator.create(name, value.config, value.start);
    return json(reply, 201, emulator.detailed(session));
  });

  route('GET', '/api/sessions/:session', SESSIONS, (request, reply) => {
    const session = emulator.find(paramOf(request, 'session'));
    if (!session) {
      throw notFound('Session not found');
    }
    return json(reply, 200, emulator.detailed(session));
  });

  route('PUT', '/api/sessions/:session', SESSIONS, (request, reply) => {
    const errors: string[] = [];
    const config = validateSessionConfig(errors, bodyOf(request).config);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    const session = emulator.update(paramOf(request, 'session'), config);
    return json(reply, 200, emulator.detailed(session));
  });

  route('DELETE', '/api/sessions/:session', SESSIONS, (request, reply) => {
    emulator.remove(paramOf(request, 'session'));
    return empty(reply, 200);
  });

  route('POST', '/api/sessions/:session/start', SESSIONS, (request, reply) => {
    const session = emulator.start(paramOf(request, 'session'));
    return json(reply, 201, emulator.detailed(session));
  });

  route('POST', '/api/sessions/:session/stop', SESSIONS, (request, reply) => {
    const session = emulator.stop(paramOf(request, 'session'));
    // A missing session yields WAHA's `null` session info: an empty 201.
    return session ? json(reply, 201, emulator.detailed(session)) : empty(reply, 201);
  });

  route('POST', '/api/sessions/:session/restart', SESSIONS, (request, reply) => {
    const session = emulator.restart(paramOf(request, 'session'));
    return json(reply, 201, emulator.detailed(session));
  });

  route('POST', '/api/sessions/:session/logout', SESSIONS, (request, reply) => {
    const session = emulator.logout(paramOf(request, 'session'));
    return json(reply, 201, emulator.detailed(session));
  });

  route('GET', '/api/sessions/:session/me', SESSIONS, (request, reply) => {
    const me = emulator.requireRunning(paramOf(request, 'session')).me();
    return me ? json(reply, 200, me) : empty(reply, 200);
  });

  // Deprecated body-named API, still mapped by WAHA 2025.x.
  route('POST', '/api/sessions/start', SESSIONS, (request, reply) => {
    const body = bodyOf(request);
    if (typeof body.name !== 'string' || body.name === '') {
      throw unprocessable('Session name is required');
    }
    const name = body.name;
    if (emulator.find(name)?.running) {
      throw unprocessable(`Session '${name}' is already started.`);
    }
    const errors: string[] = [];
    const config = validateSessionConfig(errors, body.config);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    const existing = emulator.find(name);
    const session = existing ? emulator.update(name, config) : emulator.create(name, config, false);
    session.start();
    return json(reply, 201, { name: session.name, status: session.status, config: session.config });
  });

  route('POST', '/api/sessions/stop', SESSIONS, (request, reply) => {
    const body = bodyOf(request);
    if (typeof body.name !== 'string' || body.name === '') {
      throw unprocessable('Session name is required');
    }
    if (body.logout === true) {
      emulator.remove(body.name);
    } else {
      emulator.stop(body.name);
    }
    return empty(reply, 201);
  });

  route('POST', '/api/sessions/logout', SESSIONS, (request, reply) => {
    const body = bodyOf(request);
    if (typeof body.name !== 'string' || body.name === '') {
      throw unprocessable('Session name is required');
    }
    emulator.remove(body.name);
    return empty(reply, 201);
  });
}
