// Emulator-only control API (not WAHA): complete a scan, inject messages and group events,
// inject faults, restart or reset the emulated container.

import { badRequest, conflict, notFound } from '../errors';
import { emitGroupEvent } from '../group-events';
import { normalizePhone } from '../jids';
import { receiveInbound } from '../messaging';
import type { RouteContext } from '../server';
import { queryString } from '../validation';
import { bodyOf, json, paramOf, queryOf } from './util';

const CONTROL = { auth: true } as const;

export function registerControlRoutes({ emulator, route }: RouteContext): void {
  route('POST', '/emulator/scan', CONTROL, (request, reply) => {
    const body = bodyOf(request);
    const qr = typeof body.qr === 'string' && body.qr !== '' ? body.qr : undefined;
    const code = typeof body.code === 'string' && body.code !== '' ? body.code : undefined;
    if (!qr && !code) {
      throw badRequest([
        'qr must be the QR value currently shown by a session (or code a requested pairing code)',
      ]);
    }
    let phone: string | null = null;
    if (body.phoneNumber !== undefined && body.phoneNumber !== null) {
      phone = normalizePhone(body.phoneNumber);
      if (!phone) {
        throw badRequest(['phoneNumber must be a phone number in international format (digits only)']);
      }
    }
    return json(reply, 200, emulator.pair(qr ? { qr } : { code }, phone));
  });

  route('POST', '/emulator/inbound', CONTROL, (request, reply) =>
    json(reply, 201, receiveInbound(emulator, request.body).message),
  );

  route('GET', '/emulator/sent', CONTROL, (request, reply) => {
    const session = queryString(queryOf(request).session);
    return json(
      reply,
      200,
      session ? emulator.sent.filter((item) => item.session === session) : emulator.sent,
    );
  });

  route('DELETE', '/emulator/sent', CONTROL, (_request, reply) => {
    emulator.sent = [];
    return json(reply, 200, []);
  });

  route('GET', '/emulator/faults', CONTROL, (_request, reply) =>
    json(reply, 200, emulator.faults.snapshot()),
  );

  route('POST', '/emulator/faults', CONTROL, (request, reply) => {
    const errors = emulator.faults.merge(request.body);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    return json(reply, 200, emulator.faults.snapshot());
  });

  route('DELETE', '/emulator/faults', CONTROL, (_request, reply) => {
    emulator.faults.clear();
    return json(reply, 200, emulator.faults.snapshot());
  });

  route('GET', '/emulator/config', CONTROL, (_request, reply) => json(reply, 200, emulator.publicConfig()));

  route('POST', '/emulator/config', CONTROL, (request, reply) => {
    const errors = emulator.updateConfig(request.body);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    return json(reply, 200, emulator.publicConfig());
  });

  route('POST', '/emulator/reset', CONTROL, (_request, reply) => {
    emulator.reset();
    return json(reply, 200, { sessions: emulator.list(true) });
  });

  route('POST', '/emulator/restart', CONTROL, (_request, reply) =>
    json(reply, 200, { sessions: emulator.restartContainer() }),
  );

  route('POST', '/emulator/sessions/:session/fail', CONTROL, (request, reply) => {
    const session = emulator.failSession(paramOf(request, 'session'));
    return json(reply, 200, emulator.detailed(session));
  });

  route('POST', '/emulator/sessions/:session/qr/expire', CONTROL, (request, reply) => {
    const session = emulator.sessions.get(paramOf(request, 'session'));
    if (!session) {
      throw notFound('Session not found');
    }
    if (!session.expireQr()) {
      throw conflict(`Session '${session.name}' is not showing a QR code (status: ${session.status})`);
    }
    return json(reply, 200, emulator.detailed(session));
  });

  route('POST', '/emulator/group-event', CONTROL, (request, reply) =>
    json(reply, 200, { events: emitGroupEvent(emulator, request.body) }),
  );
}
