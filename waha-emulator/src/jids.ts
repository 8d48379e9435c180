// WhatsApp chat id helpers. WAHA's canonical user form is `<digits>@c.us`; whatsmeow (GOWS) uses
// `<digits>@s.whatsapp.net` internally and in raw `_data` / PascalCase group objects.

const PHONE_RE = /^\+?\d{5,20}$/;
const USER_RE = /^(\d{5,20})(?::\d+)?@(?:c\.us|s\.whatsapp\.net)$/;
const LID_RE = /^\d{5,25}@lid$/;
const GROUP_RE = /^\d{5,25}(?:-\d{5,15})?@g\.us$/;

/** Normalises a chat id accepted by WAHA's send endpoints, or returns null when malformed. */
export function normalizeChatId(input: unknown): string | null {
  if (typeof input !== 'string') {
    return null;
  }
  const value = input.trim();
  if (PHONE_RE.test(value)) {
    return `${value.replace('+', '')}@c.us`;
  }
  const user = USER_RE.exec(value);
  if (user) {
    return `${user[1]}@c.us`;
  }
  if (LID_RE.test(value) || GROUP_RE.test(value)) {
    return value;
  }
  return null;
}

/** Digits of an international phone number (`+49 151-123` → `49151123`), or null. */
export function normalizePhone(input: unknown): string | null {
  if (typeof input !== 'string' && typeof input !== 'number') {
    return null;
  }
  let value = String(input).trim();
  const user = USER_RE.exec(value);
  if (user) {
    value = user[1];
  }
  const digits = value.replace(/[\s\-().]/g, '').replace(/^\+/, '');
  return /^\d{6,15}$/.test(digits) ? digits : null;
}

export function isGroupId(id: string): boolean {
  return id.endsWith('@g.us');
}

export function isLidId(id: string): boolean {
  return id.endsWith('@lid');
}

export function userId(phone: string): string {
  return `${phone}@c.us`;
}

export function lidId(lid: string): string {
  return `${lid}@lid`;
}

/** whatsmeow form of a WAHA id, as found in raw engine objects. */
export function toWhatsmeowJid(id: string): string {
  return id.endsWith('@c.us') ? `${id.slice(0, -'@c.us'.length)}@s.whatsapp.net` : id;
}

/** Phone digits of a `@c.us` id, or null for lids and groups. */
export function phoneOfUserId(id: string): string | null {
  const user = USER_RE.exec(id);
  return user ? user[1] : null;
}
