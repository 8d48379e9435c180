// Deterministic address book of a paired account: the same phone number always yields the same
// contacts, lids and groups; two phone numbers yield different ones. Contacts are generated on
// first use and cached, so 10 000 contacts cost a few milliseconds once per account.

import { mix32, seedOf } from './ids';
import { isLidId, lidId, normalizeChatId, phoneOfUserId, toWhatsmeowJid, userId } from './jids';

const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Carla',
  'David',
  'Elena',
  'Felix',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Klara',
  'Leon',
  'Mia',
  'Noah',
  'Olga',
  'Paul',
  'Rosa',
  'Samuel',
  'Tina',
  'Umar',
  'Vera',
  'Walter',
  'Xenia',
  'Yusuf',
  'Zoe',
  'Amir',
  'Bianca',
  'Carlos',
  'Dana',
  'Emil',
  'Fatima',
  'Georg',
  'Hannah',
  'Ivan',
  'Julia',
  'Karim',
  'Lena',
  'Marco',
  'Nina',
  'Oscar',
];

const LAST_NAMES = [
  'Weber',
  'Schmidt',
  'Garcia',
  'Rossi',
  'Novak',
  'Silva',
  'Kowalski',
  'Jansen',
  'Dubois',
  'Yilmaz',
  'Fischer',
  'Becker',
  'Moreau',
  'Costa',
  'Horvat',
  'Nielsen',
  'Popescu',
  'Ivanova',
  'Lopez',
  'Bauer',
  'Keller',
  'Wagner',
  'Martin',
  'Ferrari',
  'Haas',
  'Petrov',
  'Santos',
  'Berg',
  'Meyer',
  'Kaya',
];

const GROUP_NAMES = [
  'Family',
  'Project Team',
  'Football Fridays',
  'Book Club',
  'Neighbours',
  'Support Squad',
  'Travel Plans',
  'Office Lunch',
  'Study Group',
  'Band Practice',
];

const CONTACT_PHONE_MODULUS = 100_000_000;

export interface DirectoryContact {
  index: number;
  phone: string;
  lid: string;
  name: string;
  pushname: string;
  /** Listed by its `@lid` id only (its number is hidden), but resolvable through the lids API. */
  lidOnly: boolean;
}

/** GOWS contact shape of `GET /api/contacts/all`. */
export interface WAContact {
  id: string;
  name: string | null;
  pushname: string | null;
}

export interface LidMapping {
  lid: string | null;
  pn: string | null;
}

/** whatsmeow `types.GroupParticipant` as GOWS returns it (PascalCase, `@s.whatsapp.net` jids). */
export interface RawGroupParticipant {
  JID: string;
  PhoneNumber: string;
  LID: string;
  IsAdmin: boolean;
  IsSuperAdmin: boolean;
  DisplayName: string;
  Error: number;
  AddRequest: null;
}

/** whatsmeow `types.GroupInfo` (embedded structs flattened, as in its JSON). */
export interface RawGroup {
  JID: string;
  OwnerJID: string;
  OwnerPN: string;
  Name: string;
  NameSetAt: string;
  NameSetBy: string;
  NameSetByPN: string;
  Topic: string;
  TopicID: string;
  TopicSetAt: string;
  TopicSetBy: string;
  TopicSetByPN: string;
  TopicDeleted: boolean;
  IsLocked: boolean;
  IsAnnounce: boolean;
  AnnounceVersionID: string;
  IsEphemeral: boolean;
  DisappearingTimer: number;
  IsIncognito: boolean;
  IsParent: boolean;
  DefaultMembershipApprovalMode: string;
  LinkedParentJID: string;
  IsDefaultSubGroup: boolean;
  IsJoinApprovalRequired: boolean;
  AddressingMode: 'pn' | 'lid';
  GroupCreated: string;
  CreatorCountryCode: string;
  ParticipantVersionID: string;
  Participants: RawGroupParticipant[];
  MemberAddMode: string;
}

export type ParticipantRole = 'participant' | 'admin' | 'superadmin' | 'left';

/** Normalised participant of `GET …/participants/v2` and group.v2.* events. */
export interface GroupParticipantV2 {
  id: string;
  pn: string | null;
  role: ParticipantRole;
}

export interface ListQuery {
  limit?: number;
  offset?: number;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

export function paginate<T>(items: T[], limit: number | undefined, offset: number | undefined): T[] {
  const start = offset ?? 0;
  return limit === undefined ? items.slice(start) : items.slice(start, start + limit);
}

export function compareText(a: string | null, b: string | null): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Deterministic display name for a phone number (also used for the account's own pushName). */
export function nameFor(seed: number, index: number): { name: string; first: string } {
  const h = mix32(seed, index);
  const first = FIRST_NAMES[h % FIRST_NAMES.length];
  const last = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
  return { name: `${first} ${last}`, first };
}

/** The account's own lid: 15 digits starting with 2, so it never collides with contact lids. */
export function ownLidFor(phone: string): string {
  const seed = seedOf(`lid:${phone}`);
  return `2${pad(mix32(seed, 1) % 10_000_000, 7)}${pad(mix32(seed, 2) % 10_000_000, 7)}`;
}

export function roleOf(participant: RawGroupParticipant): ParticipantRole {
  if (participant.IsSuperAdmin) {
    return 'superadmin';
  }
  return participant.IsAdmin ? 'admin' : 'participant';
}

function toCus(jid: string): string {
  return jid.endsWith('@s.whatsapp.net') ? userId(jid.slice(0, -'@s.whatsapp.net'.length)) : jid;
}

export function participantV2(participant: RawGroupParticipant, role?: ParticipantRole): GroupParticipantV2 {
  const id = toCus(participant.JID);
  const pn = participant.PhoneNumber ? toCus(participant.PhoneNumber) : isLidId(id) ? null : id;
  return { id, pn, role: role ?? roleOf(participant) };
}

export class Directory {
  private readonly seed: number;
  private readonly phonePrefix: string;
  private readonly phoneOffset: number;
  private readonly phoneStride: number;
  private readonly lidOffset: number;
  private readonly lidStride: number;
  private cache: DirectoryContact[] | null = null;
  private byPhone: Map<string, DirectoryContact> | null = null;
  private byLid: Map<string, DirectoryContact> | null = null;
  private readonly sorted = new Map<string, WAContact[]>();
  readonly groups: RawGroup[] = [];

  constructor(
    readonly me: { phone: string; lid: string },
    readonly contactCount: number,
    readonly groupCount: number,
  ) {
    this.seed = seedOf(`directory:${me.phone}`);
    // Contacts share the account's country prefix; the last 8 digits walk an arithmetic
    // progression with a stride coprime to 10^8, so every index gets a distinct number.
    this.phonePrefix = me.phone.length > 10 ? me.phone.slice(0, me.phone.length - 8) : '49151';
    this.phoneOffset = mix32(this.seed, 1) % CONTACT_PHONE_MODULUS;
    let stride = (mix32(this.seed, 2) % 9_000_000) + 1_000_001;
    while (stride % 2 === 0 || stride % 5 === 0) {
      stride += 1;
    }
    this.phoneStride = stride;
    this.lidOffset = mix32(this.seed, 3) % 400_000_000_000_000;
    this.lidStride = (mix32(this.seed, 4) % 1_000_000_000) + 1_000_000;
    for (let g = 0; g < groupCount; g++) {
      this.groups.push(this.generateGroup(g));
    }
  }

  get meId(): string {
    return userId(this.me.phone);
  }

  contact(index: number): DirectoryContact {
    const cached = this.cache?.[index];
    if (cached) {
      return cached;
    }
    let suffix =
      (this.phoneOffset + ((index * this.phoneStride) % CONTACT_PHONE_MODULUS)) % CONTACT_PHONE_MODULUS;
    let phone = `${this.phonePrefix}${pad(suffix, 8)}`;
    if (phone === this.me.phone) {
      suffix = (suffix + CONTACT_PHONE_MODULUS / 2) % CONTACT_PHONE_MODULUS;
      phone = `${this.phonePrefix}${pad(suffix, 8)}`;
    }
    const lid = String(100_000_000_000_000 + this.lidOffset + index * this.lidStride);
    const { name, first } = nameFor(this.seed, index + 100);
    return { index, phone, lid, name, pushname: first, lidOnly: index % 5 === 4 };
  }

  contacts(): DirectoryContact[] {
    if (!this.cache) {
      const all: DirectoryContact[] = new Array<DirectoryContact>(this.contactCount);
      for (let i = 0; i < this.contactCount; i++) {
        all[i] = this.contact(i);
      }
      this.cache = all;
    }
    return this.cache;
  }

  /** WAHA id under which a contact is listed. */
  contactId(contact: DirectoryContact): string {
    return contact.lidOnly ? lidId(contact.lid) : userId(contact.phone);
  }

  toWAContact(contact: DirectoryContact): WAContact {
    return { id: this.contactId(contact), name: contact.name, pushname: contact.pushname };
  }

  listContacts(query: ListQuery): WAContact[] {
    const sortBy = query.sortBy === 'name' ? 'name' : 'id';
    let sorted = this.sorted.get(sortBy);
    if (!sorted) {
      sorted = this.contacts().map((contact) => this.toWAContact(contact));
      sorted.sort((a, b) =>
        sortBy === 'name' ? compareText(a.name, b.name) || compareText(a.id, b.id) : compareText(a.id, b.id),
      );
      this.sorted.set(sortBy, sorted);
    }
    if (query.sortOrder === 'desc') {
      const start = query.offset ?? 0;
      const count = query.limit ?? sorted.length;
      const result: WAContact[] = [];
      for (let i = sorted.length - 1 - start; i >= 0 && result.length < count; i--) {
        result.push(sorted[i]);
      }
      return result;
    }
    return paginate(sorted, query.limit, query.offset);
  }

  findByPhone(phone: string): DirectoryContact | undefined {
    if (!this.byPhone) {
      this.byPhone = new Map(this.contacts().map((contact) => [contact.phone, contact]));
    }
    return this.byPhone.get(phone);
  }

  findByLid(lid: string): DirectoryContact | undefined {
    if (!this.byLid) {
      this.byLid = new Map(this.contacts().map((contact) => [contact.lid, contact]));
    }
    return this.byLid.get(lid.replace(/@lid$/, ''));
  }

  /** Contact behind a WAHA id (`…@c.us` or `…@lid`). */
  findById(id: string): DirectoryContact | undefined {
    if (isLidId(id)) {
      return this.findByLid(id);
    }
    const phone = phoneOfUserId(id);
    return phone ? this.findByPhone(phone) : undefined;
  }

  /** Display name of a chat id, or null when it is not in the address book. */
  chatName(chatId: string): string | null {
    const group = this.findGroup(chatId);
    if (group) {
      return group.Name;
    }
    return this.findById(chatId)?.name ?? null;
  }

  lids(limit: number | undefined, offset: number | undefined): LidMapping[] {
    // Lids grow with the index, so index order is lid order.
    const all = this.contacts();
    const start = offset ?? 0;
    const end = limit === undefined ? all.length : Math.min(all.length, start + limit);
    const result: LidMapping[] = [];
    for (let i = start; i < end; i++) {
      result.push({ lid: lidId(all[i].lid), pn: userId(all[i].phone) });
    }
    return result;
  }

  findGroup(id: string): RawGroup | undefined {
    return this.groups.find((group) => group.JID === id);
  }

  /** Participant entry for a member id, shaped by the group's addressing mode. */
  rawParticipant(
    group: RawGroup,
    memberId: string,
    isAdmin = false,
    isSuperAdmin = false,
  ): RawGroupParticipant {
    const me = memberId === this.meId || memberId === lidId(this.me.lid);
    const contact = me ? undefined : this.findById(memberId);
    const phone = me ? this.me.phone : (contact?.phone ?? phoneOfUserId(memberId));
    const lid = me ? this.me.lid : (contact?.lid ?? (isLidId(memberId) ? memberId.slice(0, -4) : null));
    const pnJid = phone ? toWhatsmeowJid(userId(phone)) : '';
    const lidJid = lid ? lidId(lid) : '';
    const useLid = group.AddressingMode === 'lid' ? Boolean(lidJid) : !pnJid;
    return {
      JID: useLid ? lidJid : pnJid,
      PhoneNumber: useLid ? pnJid : '',
      LID: useLid ? '' : lidJid,
      IsAdmin: isAdmin || isSuperAdmin,
      IsSuperAdmin: isSuperAdmin,
      DisplayName: '',
      Error: 0,
      AddRequest: null,
    };
  }

  /** Whether a raw participant entry stands for the given WAHA id. */
  participantMatches(participant: RawGroupParticipant, memberId: string): boolean {
    const normalized = normalizeChatId(memberId) ?? memberId;
    const contact = this.findById(normalized);
    const candidates = new Set([normalized, toWhatsmeowJid(normalized)]);
    if (contact) {
      candidates.add(toWhatsmeowJid(userId(contact.phone)));
      candidates.add(lidId(contact.lid));
    }
    if (normalized === this.meId) {
      candidates.add(lidId(this.me.lid));
    }
    return [participant.JID, participant.PhoneNumber, participant.LID].some(
      (jid) => jid && candidates.has(jid),
    );
  }

  newGroup(id: string, name: string, memberIds: string[], createdAt: Date): RawGroup {
    const group = this.baseGroup(id, name, '', 'pn', toWhatsmeowJid(this.meId), createdAt);
    group.Participants.push(this.rawParticipant(group, this.meId));
    for (const member of memberIds) {
      if (!group.Participants.some((p) => this.participantMatches(p, member))) {
        group.Participants.push(this.rawParticipant(group, member));
      }
    }
    return group;
  }

  private baseGroup(
    id: string,
    name: string,
    topic: string,
    addressing: 'pn' | 'lid',
    owner: string,
    createdAt: Date,
  ): RawGroup {
    const created = createdAt.toISOString();
    return {
      JID: id,
      OwnerJID: owner,
      OwnerPN: '',
      Name: name,
      NameSetAt: created,
      NameSetBy: owner,
      NameSetByPN: '',
      Topic: topic,
      TopicID: topic
        ? mix32(this.seed, createdAt.getTime() % 100_000)
            .toString(16)
            .toUpperCase()
        : '',
      TopicSetAt: topic ? created : '0001-01-01T00:00:00Z',
      TopicSetBy: topic ? owner : '',
      TopicSetByPN: '',
      TopicDeleted: false,
      IsLocked: false,
      IsAnnounce: false,
      AnnounceVersionID: '',
      IsEphemeral: false,
      DisappearingTimer: 0,
      IsIncognito: false,
      IsParent: false,
      DefaultMembershipApprovalMode: '',
      LinkedParentJID: '',
      IsDefaultSubGroup: false,
      IsJoinApprovalRequired: false,
      AddressingMode: addressing,
      GroupCreated: created,
      CreatorCountryCode: '',
      ParticipantVersionID: String(createdAt.getTime()),
      Participants: [],
      MemberAddMode: 'admin_add',
    };
  }

  private generateGroup(g: number): RawGroup {
    const h = mix32(this.seed, 1000 + g);
    const id = `120363${pad(h % 1_000_000_000, 9)}${pad(g, 3)}@g.us`;
    const baseName = GROUP_NAMES[g % GROUP_NAMES.length];
    const name = g < GROUP_NAMES.length ? baseName : `${baseName} ${Math.floor(g / GROUP_NAMES.length) + 1}`;
    const createdAt = new Date(Date.UTC(2022, 0, 1) + (h % (3 * 365)) * 86_400_000 + (h % 86_400) * 1000);
    const addressing = g % 2 === 0 ? 'pn' : 'lid';
    const memberIndexes: number[] = [];
    const wanted = Math.min(this.contactCount, 3 + (h % 6));
    for (let j = 0; memberIndexes.length < wanted && j < wanted * 4; j++) {
      const index = (g * 7 + j * 3 + 1) % this.contactCount;
      if (!memberIndexes.includes(index)) {
        memberIndexes.push(index);
      }
    }
    const meOwns = g % 2 === 0 || memberIndexes.length === 0;
    const ownerContact = meOwns ? undefined : this.contact(memberIndexes[0]);
    const owner = ownerContact ? toWhatsmeowJid(userId(ownerContact.phone)) : toWhatsmeowJid(this.meId);
    const group = this.baseGroup(id, name, `Emulated group #${g + 1}`, addressing, owner, createdAt);
    group.Participants.push(this.rawParticipant(group, this.meId, true, true));
    memberIndexes.forEach((index, position) => {
      const contact = this.contact(index);
      group.Participants.push(this.rawParticipant(group, this.contactId(contact), position === 0));
    });
    return group;
  }
}
