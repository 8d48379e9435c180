/**
 * Recipients and WhatsApp chat ids. WAHA's canonical forms: people `<digits>@c.us`, groups `<id>@g.us`,
 * hidden-number people `<n>@lid` (resolved to a phone number where WAHA knows it).
 */

export interface Recipient {
  chatId: string;
  kind: 'person' | 'group';
}

export const RECIPIENT_RULE =
  'to must be a phone number in international format (e.g. +4915112345678), a chat id ending in @c.us or a group id ending in @g.us';

const PHONE = /^\+?[1-9]\d{6,14}$/;
const PERSON_ID = /^([1-9]\d{6,14})@c\.us$/;
const GROUP_ID = /^(\d{5,25}(?:-\d{5,15})?)@g\.us$/;

/** Parses `to` of a send request; null when it is none of the accepted forms. */
export function parseRecipient(to: string): Recipient | null {
  const value = to.trim();
  const compact = value.replace(/[\s().-]/g, '');
  if (PHONE.test(compact)) return { chatId: `${compact.replace(/^\+/, '')}@c.us`, kind: 'person' };
  if (PERSON_ID.test(value)) return { chatId: value, kind: 'person' };
  if (GROUP_ID.test(value)) return { chatId: value, kind: 'group' };
  return null;
}

/** Digits of a person chat id (`49151…@c.us`, `…@s.whatsapp.net`, device suffix `:12` dropped), else null. */
export function phoneOf(chatId: string | null | undefined): string | null {
  if (!chatId) return null;
  const match = /^(\d{6,20})(?::\d+)?@(?:c\.us|s\.whatsapp\.net)$/.exec(chatId);
  return match ? match[1]! : null;
}

/** WAHA's canonical person id: `@s.whatsapp.net` (whatsmeow) becomes `@c.us`, device suffixes go. */
export function canonicalChatId(chatId: string): string {
  const phone = phoneOf(chatId);
  return phone ? `${phone}@c.us` : chatId;
}

export function isGroupId(chatId: string): boolean {
  return chatId.endsWith('@g.us');
}

export function isLid(chatId: string | null | undefined): boolean {
  return typeof chatId === 'string' && chatId.endsWith('@lid');
}

/**
 * The chat a serialized WhatsApp message id belongs to: `<fromMe>_<chatId>_<id>[_<participant>]`. Engines
 * disagree on `from`/`to` for own messages, the id does not.
 */
export function chatIdFromMessageId(messageId: string): string | null {
  const match = /^(?:true|false)_([^_]+@[a-z.]+)_/.exec(messageId);
  return match ? match[1]! : null;
}
