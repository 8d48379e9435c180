import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { TenantDatabase } from '../../common/database/tenant-database';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceRepository } from '../whatsapp/devices/device.repository';
import { DeviceSessionsService } from '../whatsapp/devices/device-sessions.service';
import { WahaGroupParticipantV2 } from '../whatsapp/waha/waha.types';
import { VerifiedWahaEvent, WahaEventRouter } from '../whatsapp/webhooks/waha-event-router';
import { ChatGroupRepository, ParticipantInput } from './chat-group.repository';
import { ContactRepository } from './contact.repository';
import { DirectoryCache } from './directory-cache.service';
import { LidResolver } from './lid-resolver.service';
import { groupList, mergeContacts, toContact, toGroup, toParticipant } from './waha-directory.mapper';

const CONTACTS_PAGE = 1000;
const GROUPS_PAGE = 100;

export const DIRECTORY_SYNCED = 'directory.synced';

export interface DirectorySyncedEvent {
  tenantId: string;
  deviceId: string;
  contacts: number;
  groups: number;
}

/**
 * Contacts and chat groups of a device, pulled from WAHA page by page with bulk upserts (a constant number of
 * statements per page), and kept current from WAHA's `group.v2.*` events.
 */
@Injectable()
export class DirectorySyncService implements OnModuleInit {
  private readonly logger = new Logger(DirectorySyncService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly contacts: ContactRepository,
    private readonly groups: ChatGroupRepository,
    private readonly devices: DeviceRepository,
    private readonly sessions: DeviceSessionsService,
    private readonly lids: LidResolver,
    private readonly cache: DirectoryCache,
    private readonly router: WahaEventRouter,
    private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    for (const event of ['group.v2.join', 'group.v2.leave', 'group.v2.update', 'group.v2.participants']) {
      this.router.on(event, (e) => this.onGroupEvent(e));
    }
  }

  async sync(device: DeviceEntity): Promise<{ contacts: number; groups: number }> {
    const lidToPhone = await this.lids.allMappings(device);
    const contacts = await this.syncContacts(device, lidToPhone);
    const groups = await this.syncGroups(device, lidToPhone);
    await this.cache.invalidate(device.tenantId);
    const event: DirectorySyncedEvent = { tenantId: device.tenantId, deviceId: device.id, contacts, groups };
    this.events.emit(DIRECTORY_SYNCED, event);
    this.logger.log({ tenantId: device.tenantId, deviceId: device.id, contacts, groups }, 'Directory synced');
    return { contacts, groups };
  }

  private async syncContacts(device: DeviceEntity, lidToPhone: Map<string, string>): Promise<number> {
    const client = this.sessions.client(device);
    let total = 0;
    for (let offset = 0; ; offset += CONTACTS_PAGE) {
      const page = await client.contacts(device.sessionName, CONTACTS_PAGE, offset);
      const rows = mergeContacts(page.map((c) => toContact(c, lidToPhone)).filter((c) => c !== null));
      total += await this.db.run(device.tenantId, (tx) => this.contacts.upsertMany(tx, device.id, rows));
      if (page.length < CONTACTS_PAGE) return total;
    }
  }

  private async syncGroups(device: DeviceEntity, lidToPhone: Map<string, string>): Promise<number> {
    const client = this.sessions.client(device);
    let total = 0;
    for (let offset = 0; ; offset += GROUPS_PAGE) {
      const raw = groupList(await client.groups(device.sessionName, GROUPS_PAGE, offset));
      const groups = [
        ...new Map(
          raw
            .map(toGroup)
            .filter((g) => g !== null)
            .map((g) => [g.chatId, g]),
        ).values(),
      ];
      const members = new Map<string, ParticipantInput[]>();
      for (const group of groups) {
        const participants = await client
          .groupParticipants(device.sessionName, group.chatId)
          .catch(() => null);
        if (participants) members.set(group.chatId, this.participants(participants, lidToPhone));
      }
      await this.db.run(device.tenantId, async (tx) => {
        const ids = await this.groups.upsertMany(tx, device.id, groups);
        const byId = new Map([...members.entries()].map(([chatId, list]) => [ids.get(chatId)!, list]));
        await this.groups.replaceParticipants(tx, byId);
      });
      total += groups.length;
      if (raw.length < GROUPS_PAGE) return total;
    }
  }

  private participants(list: WahaGroupParticipantV2[], lidToPhone: Map<string, string>): ParticipantInput[] {
    return list.map((p) => toParticipant(p, lidToPhone)).filter((p) => p !== null);
  }

  /** `group.v2.*`: joined or left a group, group renamed, members joined/left/promoted/demoted. */
  private async onGroupEvent(event: VerifiedWahaEvent): Promise<void> {
    const payload = (event.payload ?? {}) as {
      group?: Record<string, unknown>;
      type?: string;
      participants?: WahaGroupParticipantV2[];
    };
    const device = await this.db.run(event.tenantId, (tx) => this.devices.findById(tx, event.deviceId));
    const group = payload.group ? toGroup(payload.group) : null;
    if (!device || !group) return;
    const members = (list: unknown) =>
      Array.isArray(list) ? this.participants(list as WahaGroupParticipantV2[], new Map()) : [];

    await this.db.run(event.tenantId, async (tx) => {
      switch (event.event) {
        case 'group.v2.join': {
          const ids = await this.groups.upsertMany(tx, device.id, [group]);
          const id = ids.get(group.chatId)!;
          const list = members(payload.group?.participants);
          if (list.length) await this.groups.replaceParticipants(tx, new Map([[id, list]]));
          break;
        }
        case 'group.v2.leave':
          await this.groups.remove(tx, device.id, group.chatId);
          break;
        case 'group.v2.update':
          await this.groups.upsertMany(tx, device.id, [group]);
          break;
        case 'group.v2.participants': {
          const id =
            (await this.groups.findId(tx, device.id, group.chatId)) ??
            (await this.groups.upsertMany(tx, device.id, [group])).get(group.chatId)!;
          // Every entry names a member the change applies to; after a leave, WAHA gives them the role `left`.
          const list = members(
            (Array.isArray(payload.participants) ? payload.participants : []).map((p) =>
              p?.role === 'left' ? { ...p, role: 'participant' as const } : p,
            ),
          );
          const chatIds = list.map((p) => p.chatId);
          if (payload.type === 'join') await this.groups.addParticipants(tx, new Map([[id, list]]));
          if (payload.type === 'leave') await this.groups.removeParticipants(tx, id, chatIds);
          if (payload.type === 'promote') await this.groups.setAdmin(tx, id, chatIds, true);
          if (payload.type === 'demote') await this.groups.setAdmin(tx, id, chatIds, false);
          break;
        }
      }
    });
    await this.cache.invalidate(event.tenantId);
  }
}
