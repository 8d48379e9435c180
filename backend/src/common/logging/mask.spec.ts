import { maskPhone } from './mask';

describe('maskPhone', () => {
  it('keeps a prefix and the last four digits of a WhatsApp id', () => {
    expect(maskPhone('4915112345678@c.us')).toBe('49•••••••5678@c.us');
    expect(maskPhone('120363025246125486@g.us')).toBe('12••••••••••••5486@g.us');
  });

  it('masks a bare number, dropping its formatting', () => {
    expect(maskPhone('+49 151 1234-5678')).toBe('49•••••••5678');
  });

  it('returns an empty string for nothing', () => {
    expect(maskPhone(null)).toBe('');
    expect(maskPhone(undefined)).toBe('');
    expect(maskPhone('')).toBe('');
  });

  it('hides short numbers completely', () => {
    expect(maskPhone('12345@c.us')).toBe('•••@c.us');
    expect(maskPhone('112')).toBe('•••');
  });

  it('never returns the full number, whatever its length', () => {
    for (let length = 1; length <= 20; length++) {
      const digits = Array.from({ length }, (_, i) => String((i * 7 + 3) % 10)).join('');
      for (const value of [digits, `${digits}@c.us`, `+${digits}`]) {
        const masked = maskPhone(value);
        expect(masked.replace(/\D/g, '').length).toBeLessThan(length);
        expect(masked).not.toContain(digits);
        expect(masked).toContain('•');
      }
    }
  });
});
