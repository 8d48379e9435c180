import { Injectable } from '@nestjs/common';
import { AuthContext } from '../../common/auth/auth-context';
import { TenantDatabase, TenantTx } from '../../common/database/tenant-database';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../../common/pagination/cursor';
import { DevicesService } from '../whatsapp/devices/devices.service';
import { ChatGroupRepository } from './chat-group.repository';
import { ContactRepository, NameKeyset } from './contact.repository';
import { DirectoryCache } from './directory-cache.service';
import { ContactPageDto, DirectoryQueryDto, GroupPageDto } from './directory.dto';

function isNameKeyset(v: Record<string, unknown>): v is { n: string; i: string } {
  return typeof v.n === 'string' && typeof v.i === 'string';
}

/** Contacts and chat groups of the caller's devices (or one named device), by name, keyset-paginated. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly devices: DevicesService,
    private readonly contacts: ContactRepository,
    private readonly groups: ChatGroupRepository,
    private readonly cache: DirectoryCache,
  ) {}

  contactPage(auth: AuthContext, query: DirectoryQueryDto): Promise<ContactPageDto> {
    return this.page(auth, query, 'contacts', async (tx, deviceIds, limit, after) => {
      const rows = await this.contacts.page(tx, deviceIds, query.search, limit + 1, after);
      return {
        items: rows.slice(0, limit).map((c) => ({
          id: c.id,
          deviceId: c.deviceId,
          chatId: c.chatId,
          phoneNumber: c.phoneNumber,
          name: c.name ?? c.pushName,
        })),
        nextCursor: this.next(rows, limit),
      };
    });
  }

  groupPage(auth: AuthContext, query: DirectoryQueryDto): Promise<GroupPageDto> {
    return this.page(auth, query, 'groups', async (tx, deviceIds, limit, after) => {
      const rows = await this.groups.page(tx, deviceIds, query.search, limit + 1, after);
      const shown = rows.slice(0, limit);
      const participants = await this.groups.participants(
        tx,
        shown.map((g) => g.id),
      );
      return {
        items: shown.map((g) => ({
          id: g.id,
          deviceId: g.deviceId,
          chatId: g.chatId,
          name: g.name,
          participants: participants
            .filter((p) => p.groupId === g.id)
            .map((p) => ({ chatId: p.chatId, phoneNumber: p.phoneNumber, isAdmin: p.isAdmin })),
        })),
        nextCursor: this.next(rows, limit),
      };
    });
  }

  /**
   * One page of a directory list over the devices the query covers. The hot page (first, unfiltered) comes
   * from the cache when it has it and is cached after a read.
   */
  private async page<T extends { items: unknown[]; nextCursor: string | null }>(
    auth: AuthContext,
    query: DirectoryQueryDto,
    kind: string,
    load: (tx: TenantTx, deviceIds: string[], limit: number, after: NameKeyset | null) => Promise<T>,
  ): Promise<T> {
    const after = this.keyset(query.cursor);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return this.db.run(auth.tenantId, async (tx) => {
      const deviceIds = await this.devices.readableDeviceIds(tx, auth, query.deviceId);
      const hot = !after && !query.search;
      const cached = hot ? await this.cache.get<T>(auth.tenantId, `${kind}:${limit}`, deviceIds) : null;
      if (cached?.value) return cached.value;
      const page = deviceIds.length
        ? await load(tx, deviceIds, limit, after)
        : ({ items: [], nextCursor: null } as unknown as T);
      if (cached) await this.cache.set(cached.key, page);
      return page;
    });
  }

  private keyset(cursor: string | undefined): NameKeyset | null {
    const decoded = decodeCursor(cursor, isNameKeyset);
    return decoded ? { sortName: decoded.n, id: decoded.i } : null;
  }

  private next(rows: { sortName: string; id: string }[], limit: number): string | null {
    const last = rows[limit - 1];
    return rows.length > limit && last ? encodeCursor({ n: last.sortName, i: last.id }) : null;
  }
}
