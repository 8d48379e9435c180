import { safeEqual, SecretBox, sha256 } from './secret-box';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';

/** Flips one bit of one base64url part of a sealed value. */
function flip(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(SECRET, 'signing-keys');

  it('opens what it sealed, including multibyte and empty text', () => {
    for (const text of ['-----BEGIN PRIVATE KEY-----\nMIIE…\n', 'Grüße 👋', '', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(text))).toBe(text);
    }
  });

  it('produces v1.<iv>.<tag>.<ciphertext> that does not contain the plaintext', () => {
    const sealed = box.seal('my-private-key-material');
    const [version, iv, tag, data] = sealed.split('.');
    expect(version).toBe('v1');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(data!, 'base64url')).toHaveLength('my-private-key-material'.length);
    expect(sealed).not.toContain('my-private-key-material');
    expect(Buffer.from(data!, 'base64url').toString()).not.toContain('private');
  });

  it('uses a fresh IV each time: the same plaintext seals differently', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it.each([
    [1, 'IV'],
    [2, 'tag'],
    [3, 'ciphertext'],
  ] as const)('throws when part %s (%s) was tampered with', (part, _name) => {
    const sealed = box.seal('secret payload');
    expect(() => box.open(flip(sealed, part))).toThrow();
  });

  it('throws on a truncated ciphertext or a wrong format', () => {
    const sealed = box.seal('secret payload');
    expect(() => box.open(sealed.slice(0, -4))).toThrow();
    expect(() => box.open(sealed.replace(/^v1/, 'v2'))).toThrow('Unsupported sealed secret format');
    expect(() => box.open('v1.abc')).toThrow('Unsupported sealed secret format');
    expect(() => box.open('')).toThrow();
  });

  it('cannot open a ciphertext sealed for another purpose', () => {
    const devices = new SecretBox(SECRET, 'device-hmac');
    const sealed = box.seal('signing key');
    expect(() => devices.open(sealed)).toThrow();
    expect(() => box.open(devices.seal('hmac key'))).toThrow();
    // Same purpose, new instance: opens (the failures above are about the purpose, not the instance).
    expect(new SecretBox(SECRET, 'signing-keys').open(sealed)).toBe('signing key');
  });

  it('cannot open a ciphertext sealed with another secret', () => {
    const other = new SecretBox(`${SECRET}-rotated`, 'signing-keys');
    expect(() => other.open(box.seal('signing key'))).toThrow();
  });
});

describe('sha256 and safeEqual', () => {
  it('hashes to the standard SHA-256', () => {
    expect(sha256('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('compares strings of equal and different length', () => {
    expect(safeEqual('token-1', 'token-1')).toBe(true);
    expect(safeEqual('token-1', 'token-2')).toBe(false);
    expect(safeEqual('token-1', 'token-10')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
