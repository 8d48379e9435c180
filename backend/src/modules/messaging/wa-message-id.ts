/**
 * WhatsApp's id of a sent message from WAHA's sendText answer, which differs per engine: GOWS `{id: string}`,
 * WEBJS `{id: {_serialized}}`, NOWEB `{key: {remoteJid, fromMe, id}}`.
 */
export function waMessageIdOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const { id, key } = result as { id?: unknown; key?: unknown };
  if (typeof id === 'string' && id) return id;
  if (typeof id === 'object' && id !== null) {
    const serialized = (id as { _serialized?: unknown })._serialized;
    if (typeof serialized === 'string' && serialized) return serialized;
  }
  if (typeof key === 'object' && key !== null) {
    const { remoteJid, fromMe, id: keyId } = key as { remoteJid?: unknown; fromMe?: unknown; id?: unknown };
    if (typeof remoteJid === 'string' && typeof keyId === 'string') {
      const chat = remoteJid.replace('@s.whatsapp.net', '@c.us');
      return `${fromMe === false ? 'false' : 'true'}_${chat}_${keyId}`;
    }
  }
  return null;
}
