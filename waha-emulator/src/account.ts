// A paired WhatsApp account ("device auth"): survives stop/restart, wiped by logout or delete.

import { Directory, nameFor, ownLidFor, type RawGroup } from './directory';
import { mix32, seedOf, stableMessageId } from './ids';
import { lidId, userId } from './jids';
import { buildMessage, ChatStore } from './messages';
import type { MeInfo } from './types';

const HISTORY_LINES = [
  'Hi! Are we still on for tomorrow?',
  'Sure, see you at 10.',
  'Can you send me the address again?',
  'Thanks, got it 👍',
  'Running a bit late, sorry!',
  'No problem.',
  'Did you see the news?',
  'Call me when you are free.',
];

/** Contacts chats and groups that get seeded history at pairing time. */
const SEEDED_CONTACT_CHATS = 5;
const SEEDED_MESSAGES_PER_CHAT = 3;

export interface Account {
  phone: string;
  lid: string;
  pushName: string;
  deviceId: number;
  pairedAt: number;
  store: ChatStore;
  directory: Directory | null;
}

export function createAccount(phone: string, now: number = Date.now()): Account {
  const seed = seedOf(`account:${phone}`);
  return {
    phone,
    lid: ownLidFor(phone),
    pushName: nameFor(seed, 0).name,
    deviceId: 1 + (mix32(seed, 7) % 60),
    pairedAt: now,
    store: new ChatStore(),
    directory: null,
  };
}

export function meInfo(account: Account): MeInfo {
  return {
    id: userId(account.phone),
    pushName: account.pushName,
    lid: lidId(account.lid),
    jid: `${account.phone}:${account.deviceId}@s.whatsapp.net`,
  };
}

/** The directory for the current contact/group counts (rebuilt when tests change them). */
export function directoryOf(account: Account, contacts: number, groups: number): Directory {
  const current = account.directory;
  if (current && current.contactCount === contacts && current.groupCount === groups) {
    return current;
  }
  const directory = new Directory({ phone: account.phone, lid: account.lid }, contacts, groups);
  account.directory = directory;
  return directory;
}

/**
 * A few messages per chat for the first contacts and every group, with ids derived from the
 * phone number (stable across re-reads and re-pairings) and timestamps in the hours before pairing.
 */
export function seedHistory(account: Account, directory: Directory): void {
  const me = meInfo(account);
  const pairedAtSeconds = Math.floor(account.pairedAt / 1000);
  const seed = seedOf(`history:${account.phone}`);
  const chats: Array<{ id: string; name: string | null; members: string[]; group?: RawGroup }> = [];
  const contactChats = Math.min(SEEDED_CONTACT_CHATS, directory.contactCount);
  for (let i = 0; i < contactChats; i++) {
    const contact = directory.contact(i);
    const id = directory.contactId(contact);
    chats.push({ id, name: contact.name, members: [id] });
  }
  for (const group of directory.groups) {
    const members = group.Participants.map((p) =>
      (p.PhoneNumber || p.JID).replace('@s.whatsapp.net', '@c.us'),
    ).filter((id) => id !== me.id);
    chats.push({ id: group.JID, name: group.Name, members: members.length ? members : [me.id], group });
  }
  chats.forEach((chat, chatIndex) => {
    for (let k = 0; k < SEEDED_MESSAGES_PER_CHAT; k++) {
      const fromMe = k % 2 === 1;
      const sender = chat.members[(chatIndex + k) % chat.members.length];
      const line = HISTORY_LINES[mix32(seed, chatIndex * 10 + k) % HISTORY_LINES.length];
      const hoursAgo = (chats.length - chatIndex) * 2 + (SEEDED_MESSAGES_PER_CHAT - k);
      const message = buildMessage({
        rawId: stableMessageId(fromMe, account.phone, chat.id, k),
        chatId: chat.id,
        me,
        fromMe,
        sender,
        senderName: directory.findById(sender)?.pushname ?? null,
        body: line,
        timestamp: pairedAtSeconds - hoursAgo * 3600,
        ack: fromMe ? 3 : 2,
        source: 'app',
      });
      account.store.add(chat.id, chat.name, message);
    }
  });
}
