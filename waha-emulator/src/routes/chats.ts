import type { Account } from '../account';
import { badRequest, notFound } from '../errors';
import { normalizeChatId } from '../jids';
import type { ChatSummary } from '../messages';
import type { RouteContext } from '../server';
import { ACK_NAMES } from '../types';
import { asRecord, isRecord, queryBool, queryInt, querySortOrder, queryString } from '../validation';
import { json, listOf, paginationOf, paramOf, queryOf } from './util';

const DIRECTORY = { auth: true, fault: 'directory' } as const;
const MESSAGES_DEFAULT_LIMIT = 10;
const OVERVIEW_DEFAULT_LIMIT = 20;

function chatParam(value: string): string {
  if (value === 'all') {
    return value;
  }
  const chatId = normalizeChatId(value);
  if (!chatId) {
    throw badRequest(['chatId must be a chat id like 11111111111@c.us, …@g.us or …@lid']);
  }
  return chatId;
}

function overview(account: Account, chats: ChatSummary[]): unknown[] {
  return chats.map((chat) => ({
    id: chat.id,
    name: chat.name || null,
    picture: null,
    lastMessage: account.store.messages(chat.id, { limit: 1 })[0] ?? null,
    _chat: chat,
  }));
}

export function registerChatsRoutes({ emulator, route }: RouteContext): void {
  route('GET', '/api/:session/chats', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const pagination = paginationOf(queryOf(request), ['conversationTimestamp', 'id', 'name']);
    return json(reply, 200, account.store.listChats(pagination));
  });

  route('GET', '/api/:session/chats/overview', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const pagination = paginationOf(query, [], OVERVIEW_DEFAULT_LIMIT);
    const ids = listOf(query.ids).map(chatParam);
    const chats = account.store.listChats({ ...pagination, sortBy: 'timestamp', sortOrder: 'desc', ids });
    return json(reply, 200, overview(account, chats));
  });

  route('POST', '/api/:session/chats/overview', DIRECTORY, (request, reply) => {
    const body = asRecord(request.body);
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const page = asRecord(body.pagination);
    const errors: string[] = [];
    const toInt = (name: string, value: unknown): number | undefined =>
      queryInt(errors, name, value === undefined ? undefined : String(value));
    const limit = toInt('pagination.limit', page.limit) ?? OVERVIEW_DEFAULT_LIMIT;
    const offset = toInt('pagination.offset', page.offset);
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    const filter = isRecord(body.filter) ? body.filter : {};
    const ids = listOf(filter.ids).map(chatParam);
    const chats = account.store.listChats({ limit, offset, sortBy: 'timestamp', sortOrder: 'desc', ids });
    return json(reply, 201, overview(account, chats));
  });

  route('GET', '/api/:session/chats/:chatId/messages', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const chatId = chatParam(paramOf(request, 'chatId'));
    const errors: string[] = [];
    const limit = queryInt(errors, 'limit', queryString(query.limit)) ?? MESSAGES_DEFAULT_LIMIT;
    const offset = queryInt(errors, 'offset', queryString(query.offset));
    const sortOrder = querySortOrder(errors, 'sortOrder', queryString(query.sortOrder));
    const gte = queryInt(errors, 'filter.timestamp.gte', queryString(query['filter.timestamp.gte']));
    const lte = queryInt(errors, 'filter.timestamp.lte', queryString(query['filter.timestamp.lte']));
    const fromMe = queryBool(queryString(query['filter.fromMe']));
    const ackName = queryString(query['filter.ack']);
    let ack: number | undefined;
    if (ackName !== undefined && ackName !== '') {
      const entry = Object.entries(ACK_NAMES).find(([, name]) => name === ackName);
      if (!entry) {
        errors.push(`filter.ack must be one of the following values: ${Object.values(ACK_NAMES).join(', ')}`);
      } else {
        ack = Number(entry[0]);
      }
    }
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    // downloadMedia is accepted and ignored: emulated messages carry no media.
    const messages = account.store.messages(chatId, {
      limit,
      offset,
      sortOrder: sortOrder ?? 'desc',
      timestampGte: gte,
      timestampLte: lte,
      fromMe,
      ack,
    });
    return json(reply, 200, messages);
  });

  route('GET', '/api/:session/chats/:chatId/messages/:messageId', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const messageId = paramOf(request, 'messageId');
    const message = account.store.find(messageId) ?? account.store.findByRawId(messageId);
    if (!message) {
      throw notFound('Message not found');
    }
    return json(reply, 200, message);
  });

  // Deprecated: GET /api/messages?session=&chatId=&limit=
  route('GET', '/api/messages', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(queryString(query.session));
    const chatId = chatParam(queryString(query.chatId) ?? '');
    const { limit, offset } = paginationOf(query, [], MESSAGES_DEFAULT_LIMIT);
    return json(reply, 200, account.store.messages(chatId, { limit, offset }));
  });
}
