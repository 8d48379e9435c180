import { availableInPlusVersion, badRequest, nestError } from '../errors';
import { normalizeChatId } from '../jids';
import { sendText } from '../messaging';
import type { RouteContext } from '../server';
import { bodyOf, empty, json, paramOf } from './util';

const CHATTING = { auth: true, fault: 'chatting' } as const;
const PRESENCES = ['online', 'offline', 'typing', 'recording', 'paused'];
const SEEN_WINDOW_SECONDS = 7 * 24 * 3600;

const MEDIA_ENDPOINTS = [
  '/api/sendImage',
  '/api/sendFile',
  '/api/sendVoice',
  '/api/sendVideo',
  '/api/send/link-custom-preview',
];

function chatIdOf(body: Record<string, unknown>): string {
  const chatId = normalizeChatId(body.chatId);
  if (!chatId) {
    throw badRequest(['chatId must be a phone number or a chat id like 11111111111@c.us, …@g.us or …@lid']);
  }
  return chatId;
}

export function registerChattingRoutes({ emulator, route }: RouteContext): void {
  route('POST', '/api/sendText', { auth: true, fault: 'sendText' }, (request, reply) =>
    json(reply, 201, sendText(emulator, request.body)),
  );

  for (const [url, presence] of [
    ['/api/startTyping', 'typing'],
    ['/api/stopTyping', 'paused'],
  ] as const) {
    route('POST', url, CHATTING, (request, reply) => {
      const body = bodyOf(request);
      const { session } = emulator.requireWorking(body.session);
      chatIdOf(body);
      session.presence = presence;
      session.touch();
      return json(reply, 201, { result: true });
    });
  }

  route('POST', '/api/sendSeen', CHATTING, (request, reply) => {
    const body = bodyOf(request);
    const { session, account } = emulator.requireWorking(body.session);
    const chatId = chatIdOf(body);
    const requested = [
      ...(Array.isArray(body.messageIds) ? body.messageIds : []),
      ...(typeof body.messageId === 'string' ? [body.messageId] : []),
    ].filter((id): id is string => typeof id === 'string');
    session.touch();
    if (requested.length > 0) {
      return json(reply, 201, { ids: requested });
    }
    // Without ids WAHA reads the chat's unread messages of the last 7 days.
    const since = Math.floor(Date.now() / 1000) - SEEN_WINDOW_SECONDS;
    const ids = account.store
      .messages(chatId, { timestampGte: since, fromMe: false, sortOrder: 'asc' })
      .map((message) => message.id);
    return json(reply, 201, { ids });
  });

  route('POST', '/api/:session/presence', CHATTING, (request, reply) => {
    const body = bodyOf(request);
    const { session } = emulator.requireWorking(paramOf(request, 'session'));
    if (typeof body.presence !== 'string' || !PRESENCES.includes(body.presence)) {
      throw badRequest([`presence must be one of the following values: ${PRESENCES.join(', ')}`]);
    }
    if (body.chatId !== undefined) {
      chatIdOf(body);
    }
    session.presence = body.presence;
    session.touch();
    return empty(reply, 201);
  });

  for (const url of MEDIA_ENDPOINTS) {
    route('POST', url, CHATTING, (request) => {
      emulator.requireWorking(bodyOf(request).session);
      if (emulator.isCore) {
        throw availableInPlusVersion(emulator.options.engine);
      }
      throw nestError(501, 'The WAHA emulator does not implement media messages; use /api/sendText');
    });
  }
}
