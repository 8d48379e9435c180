import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID (https://github.com/ulid/spec): 48-bit ms timestamp + 80 random bits, Crockford base32. */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  // 256 is a multiple of 32, so `byte % 32` stays uniform.
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random += CROCKFORD[bytes[i] % 32];
  }
  return time + random;
}

/** WAHA's event and session ids: `<prefix>_<lowercase ulid>`. */
export function prefixedId(prefix: string): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

/** Ids whatsmeow generates for messages sent from this device: `3EB0` + 18 upper-case hex digits. */
export function outgoingMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/** Ids of messages sent from phones look like 32 upper-case hex digits. */
export function incomingMessageId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Stable id for seeded history, so re-reading history yields the same ids. */
export function stableMessageId(fromMe: boolean, ...parts: Array<string | number>): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex').toUpperCase();
  return fromMe ? `3EB0${hex.slice(0, 18)}` : hex.slice(0, 32);
}

/** A value shaped like whatsmeow's QR payload: `ref,noiseKey,identityKey,advSecret`. */
export function qrValue(): string {
  const b64 = (n: number): string => randomBytes(n).toString('base64');
  return `2@${b64(48)},${b64(32)},${b64(32)},${b64(32)}`;
}

const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTVWXYZ123456789';

/** Linking code as shown by WhatsApp: `ABCD-EFGH`. */
export function pairingCode(): string {
  const bytes = randomBytes(8);
  let code = '';
  for (let i = 0; i < 8; i++) {
    code += PAIRING_ALPHABET[bytes[i] % PAIRING_ALPHABET.length];
    if (i === 3) {
      code += '-';
    }
  }
  return code;
}

/** Random international phone number (digits only) for scans without an explicit number. */
export function randomPhoneNumber(): string {
  const bytes = randomBytes(9);
  let digits = '';
  for (let i = 0; i < 9; i++) {
    digits += String(bytes[i] % 10);
  }
  return `4915${digits}`;
}

/** 32-bit seed of a string (first 4 bytes of its SHA-256). */
export function seedOf(value: string): number {
  return createHash('sha256').update(value).digest().readUInt32BE(0);
}

/** Cheap deterministic 32-bit mixing (murmur3 finaliser) for per-index derivations. */
export function mix32(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
