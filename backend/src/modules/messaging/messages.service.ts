import { Injectable, NotFoundException } from '@nestjs/common';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase } from '../../common/database/tenant-database';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { isUuid } from '../../common/validation/uuid';
import { DevicesService } from '../whatsapp/devices/devices.service';
import { ChatRepository } from './chat.repository';
import { KeysetCursor, MessageRepository } from './message.repository';
import {
  ChatPageDto,
  DeviceScopedPageQueryDto,
  mapMessage,
  MessageDto,
  MessagePageDto,
  MessageQueryDto,
} from './messaging.dto';
import { canonicalChatId } from './recipient';

function isTimeKeyset(v: Record<string, unknown>): v is { t: string; i: string } {
  return typeof v.t === 'string' && !Number.isNaN(Date.parse(v.t)) && isUuid(v.i);
}

function isChatKeyset(v: Record<string, unknown>): v is { t: string; d: string; c: string } {
  return typeof v.t === 'string' && !Number.isNaN(Date.parse(v.t)) && isUuid(v.d) && typeof v.c === 'string';
}

/** The message log (tenant-wide), one message, the chat list and a chat's history; all keyset-paginated. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly messages: MessageRepository,
    private readonly chats: ChatRepository,
    private readonly devices: DevicesService,
  ) {}

  async log(auth: AuthContext, query: MessageQueryDto): Promise<MessagePageDto> {
    const after = this.timeKeyset(query.cursor);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.run(auth.tenantId, async (tx) =>
      this.messages.page(
        tx,
        {
          // A device of another tenant (or none) is a 404, as on every other list that takes a deviceId.
          deviceIds: query.deviceId
            ? await this.devices.readableDeviceIds(tx, auth, query.deviceId)
            : undefined,
          chatId: query.chatId ? canonicalChatId(query.chatId) : undefined,
          direction: query.direction,
          status: query.status,
          since: query.since ? new Date(query.since) : undefined,
          until: query.until ? new Date(query.until) : undefined,
        },
        limit + 1,
        after,
      ),
    );
    return this.messagePage(rows, limit);
  }

  async get(auth: AuthContext, id: string): Promise<MessageDto> {
    const message = await this.db.run(auth.tenantId, (tx) => this.messages.findById(tx, id));
    if (!message) throw new NotFoundException('Message not found');
    return mapMessage(message);
  }

  async chatList(auth: AuthContext, query: DeviceScopedPageQueryDto): Promise<ChatPageDto> {
    const decoded = decodeCursor(query.cursor, isChatKeyset);
    const after = decoded ? { at: new Date(decoded.t), deviceId: decoded.d, chatId: decoded.c } : null;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return this.db.run(auth.tenantId, async (tx) => {
      const deviceIds = await this.devices.readableDeviceIds(tx, auth, query.deviceId);
      const rows = deviceIds.length ? await this.chats.page(tx, deviceIds, limit + 1, after) : [];
      const shown = rows.slice(0, limit);
      const last = new Map(
        (
          await this.messages.byIds(
            tx,
            shown.flatMap((r) => (r.lastMessageId ? [r.lastMessageId] : [])),
          )
        ).map((m) => [m.id, m]),
      );
      const tail = shown[shown.length - 1];
      return {
        items: shown.map((r) => {
          const message = r.lastMessageId ? last.get(r.lastMessageId) : undefined;
          return {
            chatId: r.chatId,
            deviceId: r.deviceId,
            name: r.name,
            lastMessage: message ? mapMessage(message) : null,
          };
        }),
        nextCursor:
          rows.length > limit && tail
            ? encodeCursor({
                t: new Date(tail.lastMessageAt).toISOString(),
                d: tail.deviceId,
                c: tail.chatId,
              })
            : null,
      };
    });
  }

  async chatHistory(
    auth: AuthContext,
    chatId: string,
    query: DeviceScopedPageQueryDto,
  ): Promise<MessagePageDto> {
    const after = this.timeKeyset(query.cursor);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.db.run(auth.tenantId, async (tx) => {
      const deviceIds = await this.devices.readableDeviceIds(tx, auth, query.deviceId);
      if (deviceIds.length === 0) return [];
      return this.messages.page(tx, { deviceIds, chatId: canonicalChatId(chatId) }, limit + 1, after);
    });
    return this.messagePage(rows, limit);
  }

  private timeKeyset(cursor: string | undefined): KeysetCursor | null {
    const decoded = decodeCursor(cursor, isTimeKeyset);
    return decoded ? { at: new Date(decoded.t), id: decoded.i } : null;
  }

  private messagePage(rows: Parameters<typeof mapMessage>[0][], limit: number): MessagePageDto {
    const items = rows.slice(0, limit);
    const tail = items[items.length - 1];
    return {
      items: items.map(mapMessage),
      nextCursor:
        rows.length > limit && tail
          ? encodeCursor({ t: new Date(tail.createdAt).toISOString(), i: tail.id })
          : null,
    };
  }
}
