import QRCode from 'qrcode';
import { badRequest, unprocessable } from '../errors';
import { pairingCode } from '../ids';
import { normalizePhone } from '../jids';
import type { RouteContext } from '../server';
import { queryString } from '../validation';
import { bodyOf, json, paramOf, queryOf } from './util';

const QR = { auth: true, fault: 'qr' } as const;
/** GOWS waits this long for STARTING to turn into SCAN_QR_CODE before refusing a pairing code. */
const REQUEST_CODE_WAIT_MS = 2_000;
const REQUEST_CODE_POLL_MS = 100;
const PNG_CACHE_SIZE = 64;

export function registerAuthRoutes({ emulator, route }: RouteContext): void {
  // Rendering a QR costs a few ms; each value is fetched many times while it is shown.
  const pngCache = new Map<string, Buffer>();

  route('GET', '/api/:session/auth/qr', QR, async (request, reply) => {
    const session = emulator.requireStatus(paramOf(request, 'session'), ['SCAN_QR_CODE']);
    const value = session.qr?.value ?? '';
    if (queryString(queryOf(request).format) === 'raw') {
      return json(reply, 200, { value });
    }
    let png = pngCache.get(value);
    if (!png) {
      png = await QRCode.toBuffer(value, { type: 'png' });
      if (pngCache.size >= PNG_CACHE_SIZE) {
        pngCache.delete(pngCache.keys().next().value ?? '');
      }
      pngCache.set(value, png);
    }
    // WAHA's BufferResponseInterceptor compares the Accept header as an exact string.
    if (request.headers.accept === 'application/json') {
      return json(reply, 200, { mimetype: 'image/png', data: png.toString('base64') });
    }
    return reply
      .code(200)
      .header('Content-Type', 'image/png')
      .header('Cache-Control', 'no-cache, no-store')
      .send(png);
  });

  route('POST', '/api/:session/auth/request-code', QR, async (request, reply) => {
    const session = emulator.requireRunning(paramOf(request, 'session'));
    const body = bodyOf(request);
    if (typeof body.phoneNumber !== 'string' || body.phoneNumber === '') {
      throw badRequest(['phoneNumber must be a string']);
    }
    const phone = normalizePhone(body.phoneNumber);
    if (!phone) {
      throw badRequest(['phoneNumber must be a phone number in international format (digits only)']);
    }
    for (
      let waited = 0;
      session.status === 'STARTING' && waited < REQUEST_CODE_WAIT_MS;
      waited += REQUEST_CODE_POLL_MS
    ) {
      await emulator.scheduler.sleep(REQUEST_CODE_POLL_MS);
    }
    if (session.status !== 'SCAN_QR_CODE') {
      throw unprocessable(
        `Can request code only in SCAN_QR_CODE status. The current status is ${session.status}`,
      );
    }
    const code = pairingCode();
    session.pairingCode = { code, phone };
    session.touch();
    return json(reply, 201, { code });
  });
}
