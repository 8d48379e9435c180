import { Injectable, Logger } from '@nestjs/common';
import { TenantDatabase } from '../../common/database/tenant-database';
import { canonicalChatId, isLid } from '../messaging/recipient';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceSessionsService } from '../whatsapp/devices/device-sessions.service';
import { ContactRepository } from './contact.repository';

/**
 * WhatsApp increasingly names people by `<n>@lid` instead of their number. So that one person is one contact
 * and one chat, a lid is resolved to its phone chat id (our contacts first, then WAHA's lids API), and the
 * mapping is kept on the contact.
 */
@Injectable()
export class LidResolver {
  private readonly logger = new Logger(LidResolver.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly contacts: ContactRepository,
    private readonly sessions: DeviceSessionsService,
  ) {}

  /** The canonical chat id for `chatId`: a lid becomes `<digits>@c.us` when it can be resolved. */
  async canonical(device: DeviceEntity, chatId: string): Promise<string> {
    const id = canonicalChatId(chatId);
    if (!isLid(id)) return id;
    const known = await this.db.run(device.tenantId, (tx) => this.contacts.phoneByLid(tx, device.id, id));
    if (known) return known;
    try {
      const { pn } = await this.sessions.client(device).lid(device.sessionName, id);
      if (!pn) return id;
      const phoneChat = canonicalChatId(pn);
      await this.db.run(device.tenantId, (tx) =>
        this.contacts.upsertMany(tx, device.id, [
          { chatId: phoneChat, lid: id, phoneNumber: phoneChat.split('@')[0]!, name: null, pushName: null },
        ]),
      );
      return phoneChat;
    } catch (error) {
      this.logger.debug({ err: (error as Error).message }, 'Could not resolve a lid');
      return id;
    }
  }

  /** Every lid→phone mapping WAHA knows for the session (paged). */
  async allMappings(device: DeviceEntity): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const client = this.sessions.client(device);
    for (let offset = 0; ; offset += 1000) {
      const page = await client.lids(device.sessionName, 1000, offset).catch(() => []);
      for (const { lid, pn } of page) if (lid && pn) map.set(lid, canonicalChatId(pn));
      if (page.length < 1000) break;
    }
    return map;
  }
}
