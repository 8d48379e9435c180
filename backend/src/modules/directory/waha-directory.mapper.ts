import { canonicalChatId, isLid, phoneOf } from '../messaging/recipient';
import { WahaContact, WahaGroupParticipantV2 } from '../whatsapp/waha/waha.types';
import { ContactInput } from './contact.repository';
import { GroupInput, ParticipantInput } from './chat-group.repository';

/**
 * WAHA's directory answers differ per engine (see CONTRACT.md §5-6). These functions read every known shape
 * and return our rows; anything unrecognisable is skipped rather than guessed.
 */

/** A WAHA contact as a contact row, with `@lid` ids resolved through `lidToPhone` where known. */
export function toContact(contact: WahaContact, lidToPhone: Map<string, string>): ContactInput | null {
  if (!contact || typeof contact.id !== 'string') return null;
  const id = canonicalChatId(contact.id);
  let chatId: string;
  let lid: string | null = null;
  if (isLid(id)) {
    lid = id;
    chatId = lidToPhone.get(id) ?? id;
  } else if (id.endsWith('@c.us')) {
    chatId = id;
  } else {
    return null; // groups, broadcast lists, newsletters are not contacts
  }
  return {
    chatId,
    lid,
    phoneNumber: phoneOf(chatId),
    name: text(contact.name),
    pushName: text(contact.pushname),
  };
}

/** Merges rows that became the same person once `@lid` ids were resolved (one statement cannot touch a row twice). */
export function mergeContacts(contacts: ContactInput[]): ContactInput[] {
  const byChat = new Map<string, ContactInput>();
  for (const contact of contacts) {
    const seen = byChat.get(contact.chatId);
    byChat.set(
      contact.chatId,
      seen
        ? {
            ...seen,
            lid: seen.lid ?? contact.lid,
            name: seen.name ?? contact.name,
            pushName: seen.pushName ?? contact.pushName,
          }
        : contact,
    );
  }
  return [...byChat.values()];
}

/** A group from any engine's list item: GOWS PascalCase, WEBJS GroupChat, NOWEB/normalised GroupInfo. */
export function toGroup(raw: unknown): GroupInput | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const g = raw as Record<string, unknown>;
  const idValue = g.id ?? g.JID;
  const id =
    typeof idValue === 'string'
      ? idValue
      : typeof idValue === 'object' && idValue !== null
        ? (idValue as { _serialized?: unknown })._serialized
        : undefined;
  if (typeof id !== 'string' || !id.endsWith('@g.us')) return null;
  const meta = (g.groupMetadata ?? {}) as Record<string, unknown>;
  return {
    chatId: id,
    name: text(g.subject) ?? text(g.Name) ?? text(g.name) ?? text(meta.subject),
    description: text(g.description) ?? text(g.Topic) ?? text(g.desc) ?? text(meta.desc),
  };
}

/** WAHA's group list is an array, except NOWEB's id-keyed object. */
export function groupList(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'object' && raw !== null) return Object.values(raw);
  return [];
}

export function toParticipant(
  p: WahaGroupParticipantV2,
  lidToPhone: Map<string, string>,
): ParticipantInput | null {
  if (!p || typeof p.id !== 'string' || p.role === 'left') return null;
  const pn = typeof p.pn === 'string' ? canonicalChatId(p.pn) : null;
  const id = canonicalChatId(p.id);
  const chatId = pn ?? (isLid(id) ? (lidToPhone.get(id) ?? id) : id);
  return { chatId, phoneNumber: phoneOf(chatId), isAdmin: p.role === 'admin' || p.role === 'superadmin' };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}
