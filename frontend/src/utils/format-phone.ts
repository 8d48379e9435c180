/**
 * Phone numbers and WhatsApp chat ids for display. The API speaks international digits (`4915112345678`) and
 * chat ids (`4915112345678@c.us`, `1203…@g.us`, `…@lid` while the number is unknown).
 */

// ITU calling codes of one and two digits; every other code is three digits long.
const ONE_DIGIT = new Set(['1', '7']);
// prettier-ignore
const TWO_DIGITS = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The same rule the API applies to `to`: optional +, 7-15 digits, no leading zero. */
const PHONE = /^\+?[1-9]\d{6,14}$/;

export function splitCallingCode(digits: string): [code: string, national: string] {
  const length = ONE_DIGIT.has(digits.slice(0, 1)) ? 1 : TWO_DIGITS.has(digits.slice(0, 2)) ? 2 : 3;
  return [digits.slice(0, length), digits.slice(length)];
}

/** `4915112345678` → `+49 151 1234 5678`; `14155550123` → `+1 415 555 0123`. Anything else is returned as is. */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return '';
  const digits = value.replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(digits)) return value;
  const [code, national] = splitCallingCode(digits);
  const groups =
    code === '1' && national.length === 10
      ? [national.slice(0, 3), national.slice(3, 6), national.slice(6)]
      : [national.slice(0, 3), ...chunk(national.slice(3))];
  return `+${code} ${groups.filter(Boolean).join(' ')}`;
}

// Groups of four, or of three when four would leave a lone digit at the end.
function chunk(rest: string): string[] {
  const size = rest.length % 4 === 1 && rest.length > 4 ? 3 : 4;
  return rest.match(new RegExp(`.{1,${size}}`, 'g')) ?? [];
}

export function isGroupChat(chatId: string): boolean {
  return chatId.endsWith('@g.us');
}

/** The phone digits of a personal chat id, or null for groups and `@lid` ids. */
export function chatIdToPhone(chatId: string): string | null {
  const match = /^(\d{7,15})@(c\.us|s\.whatsapp\.net)$/.exec(chatId);
  return match ? match[1]! : null;
}

/** A label for a chat: its name, else the formatted number, else the raw id. */
export function chatLabel(chatId: string, name?: string | null): string {
  if (name) return name;
  const phone = chatIdToPhone(chatId);
  if (phone) return formatPhone(phone);
  return isGroupChat(chatId) ? 'Group chat' : chatId;
}

/** What a person typed (`+49 (151) 123-456 78`) → what the API accepts (`+4915112345678`), or a chat id as is. */
export function normalizeRecipient(input: string): string {
  const trimmed = input.trim();
  if (/@(c|g)\.us$/.test(trimmed)) return trimmed;
  return trimmed.replace(/[\s().-]/g, '');
}

export function isValidRecipient(input: string): boolean {
  const value = normalizeRecipient(input);
  return PHONE.test(value) || /^[\w.+-]+@(c|g)\.us$/.test(value);
}
