// WAMessage construction, serialized message ids and the chat history store of an account.

import { compareText, paginate } from './directory';
import { isGroupId, toWhatsmeowJid } from './jids';
import { ACK_NAMES, type MeInfo, type ReplyTo, type WAMessage, type WAMessageAckBody } from './types';

/** `<fromMe>_<chatId>_<id>[_<participant>]`; group messages carry the sender as 4th part. */
export function serializeMessageId(
  fromMe: boolean,
  chatId: string,
  rawId: string,
  participant?: string | null,
): string {
  const base = `${fromMe}_${chatId}_${rawId}`;
  return isGroupId(chatId) && participant ? `${base}_${participant}` : base;
}

export interface ParsedMessageId {
  fromMe: boolean;
  chatId: string;
  rawId: string;
  participant?: string;
}

/** Parses a serialized id; a bare id without `_` is accepted like WAHA's "soft" parsing. */
export function parseMessageId(serialized: string): ParsedMessageId | { rawId: string } | null {
  if (!serialized.includes('_')) {
    return { rawId: serialized };
  }
  const parts = serialized.split('_');
  if (parts.length !== 3 && parts.length !== 4) {
    return null;
  }
  return { fromMe: parts[0] === 'true', chatId: parts[1], rawId: parts[2], participant: parts[3] };
}

export interface MessageSpec {
  rawId: string;
  chatId: string;
  me: MeInfo;
  fromMe: boolean;
  /** Sender id for incoming messages (the peer, or the group member). */
  sender?: string;
  senderName?: string | null;
  body: string;
  timestamp: number;
  ack: number;
  source: 'api' | 'app';
  replyTo?: ReplyTo | null;
}

/**
 * WAMessage as WAHA normalises it (documented semantics): incoming → `from` is the chat and
 * `to` is me; own messages → `from` is me and `to` is the chat; `participant` is the group sender.
 */
export function buildMessage(spec: MessageSpec): WAMessage {
  const group = isGroupId(spec.chatId);
  const sender = spec.fromMe ? spec.me.id : (spec.sender ?? spec.chatId);
  const participant = group ? sender : null;
  const message: Record<string, unknown> = spec.replyTo
    ? {
        extendedTextMessage: {
          text: spec.body,
          contextInfo: {
            stanzaID: spec.replyTo.id,
            participant: spec.replyTo.participant ? toWhatsmeowJid(spec.replyTo.participant) : '',
            quotedMessage: spec.replyTo._data,
          },
        },
      }
    : { conversation: spec.body };
  return {
    id: serializeMessageId(spec.fromMe, spec.chatId, spec.rawId, participant),
    timestamp: spec.timestamp,
    from: spec.fromMe ? spec.me.id : spec.chatId,
    fromMe: spec.fromMe,
    source: spec.source,
    to: spec.fromMe ? spec.chatId : spec.me.id,
    participant,
    body: spec.body,
    hasMedia: false,
    media: null,
    ack: spec.ack,
    ackName: ACK_NAMES[spec.ack],
    location: null,
    vCards: [],
    replyTo: spec.replyTo ?? null,
    _data: {
      Info: {
        Chat: toWhatsmeowJid(spec.chatId),
        Sender: toWhatsmeowJid(sender),
        IsFromMe: spec.fromMe,
        IsGroup: group,
        ID: spec.rawId,
        Type: 'text',
        PushName: spec.fromMe ? spec.me.pushName : (spec.senderName ?? ''),
        Timestamp: new Date(spec.timestamp * 1000).toISOString(),
      },
      Message: message,
    },
  };
}

/** `message.ack` payload for one of our messages. */
export function ackPayload(
  message: WAMessage,
  ack: number,
  reader: string | null,
): WAMessageAckBody & { _data: unknown } {
  const group = message.to !== null && isGroupId(message.to);
  const chat = message.fromMe ? message.to : message.from;
  const rawId = (parseMessageId(message.id) ?? { rawId: message.id }).rawId;
  return {
    id: message.id,
    from: message.from,
    to: message.to,
    participant: group ? reader : null,
    fromMe: message.fromMe,
    ack,
    ackName: ACK_NAMES[ack],
    _data: {
      Chat: chat ? toWhatsmeowJid(chat) : '',
      Sender: reader ? toWhatsmeowJid(reader) : chat ? toWhatsmeowJid(chat) : '',
      IsFromMe: false,
      IsGroup: group,
      MessageIDs: [rawId],
      Timestamp: new Date().toISOString(),
      Type: ack === 3 ? 'read' : ack === 2 ? '' : 'server',
    },
  };
}

export interface ChatRecord {
  id: string;
  name: string | null;
  /** Ascending by timestamp. */
  messages: WAMessage[];
}

export interface ChatSummary {
  id: string;
  name: string | null;
  conversationTimestamp: number | null;
}

export interface MessageFilter {
  limit?: number;
  offset?: number;
  sortOrder?: 'asc' | 'desc';
  timestampGte?: number;
  timestampLte?: number;
  fromMe?: boolean;
  ack?: number;
}

/** Messages of one account: seeded history plus everything sent and received at runtime. */
export class ChatStore {
  private readonly chats = new Map<string, ChatRecord>();
  private readonly byId = new Map<string, WAMessage>();

  add(chatId: string, name: string | null, message: WAMessage): void {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { id: chatId, name, messages: [] };
      this.chats.set(chatId, chat);
    } else if (!chat.name && name) {
      chat.name = name;
    }
    const list = chat.messages;
    let position = list.length;
    while (position > 0 && list[position - 1].timestamp > message.timestamp) {
      position -= 1;
    }
    list.splice(position, 0, message);
    this.byId.set(message.id, message);
  }

  find(id: string): WAMessage | undefined {
    return this.byId.get(id);
  }

  /** Finds a message by its raw WhatsApp id (what `reply_to` may carry). */
  findByRawId(rawId: string): WAMessage | undefined {
    for (const message of this.byId.values()) {
      const parsed = parseMessageId(message.id);
      if (parsed && parsed.rawId === rawId) {
        return message;
      }
    }
    return undefined;
  }

  /** Acks only move forward, whatever order the receipts arrive in. */
  setAck(id: string, ack: number): void {
    const message = this.byId.get(id);
    if (message && ack > message.ack) {
      message.ack = ack;
      message.ackName = ACK_NAMES[ack];
    }
  }

  summaries(): ChatSummary[] {
    return [...this.chats.values()].map((chat) => ({
      id: chat.id,
      name: chat.name,
      conversationTimestamp: chat.messages.length ? chat.messages[chat.messages.length - 1].timestamp : null,
    }));
  }

  listChats(query: {
    limit?: number;
    offset?: number;
    sortBy?: string;
    sortOrder?: 'asc' | 'desc';
    ids?: string[];
  }): ChatSummary[] {
    let chats = this.summaries();
    if (query.ids && query.ids.length > 0) {
      const wanted = new Set(query.ids);
      chats = chats.filter((chat) => wanted.has(chat.id));
    }
    const sortBy = query.sortBy ?? 'id';
    const compare = (a: ChatSummary, b: ChatSummary): number => {
      if (sortBy === 'conversationTimestamp' || sortBy === 'timestamp') {
        return (a.conversationTimestamp ?? 0) - (b.conversationTimestamp ?? 0) || compareText(a.id, b.id);
      }
      if (sortBy === 'name') {
        return compareText(a.name, b.name) || compareText(a.id, b.id);
      }
      return compareText(a.id, b.id);
    };
    chats.sort((a, b) => (query.sortOrder === 'desc' ? compare(b, a) : compare(a, b)));
    return paginate(chats, query.limit, query.offset);
  }

  /** Newest first unless `sortOrder: 'asc'`; `chatId === 'all'` spans every chat. */
  messages(chatId: string, filter: MessageFilter): WAMessage[] {
    let source: WAMessage[];
    if (chatId === 'all') {
      source = [...this.chats.values()].flatMap((chat) => chat.messages);
      source.sort((a, b) => a.timestamp - b.timestamp);
    } else {
      source = this.chats.get(chatId)?.messages ?? [];
    }
    const selected = source.filter(
      (message) =>
        (filter.timestampGte === undefined || message.timestamp >= filter.timestampGte) &&
        (filter.timestampLte === undefined || message.timestamp <= filter.timestampLte) &&
        (filter.fromMe === undefined || message.fromMe === filter.fromMe) &&
        (filter.ack === undefined || message.ack === filter.ack),
    );
    const ordered = filter.sortOrder === 'asc' ? selected : [...selected].reverse();
    return paginate(ordered, filter.limit, filter.offset);
  }
}
