import { describe, expect, it } from 'vitest';
import {
  chatIdToPhone,
  chatLabel,
  formatPhone,
  isValidRecipient,
  normalizeRecipient,
  splitCallingCode,
} from './format-phone';

describe('format-phone', () => {
  it.each([
    ['4915112345678', '+49 151 1234 5678'],
    ['+4915112345678', '+49 151 1234 5678'],
    ['14155550123', '+1 415 555 0123'],
    ['447700900123', '+44 770 0900 123'],
    ['35312345678', '+353 123 456 78'],
  ])('formats %s as %s', (input, expected) => {
    expect(formatPhone(input)).toBe(expected);
  });

  it('leaves what is not a phone number alone', () => {
    expect(formatPhone('support')).toBe('support');
    expect(formatPhone(null)).toBe('');
  });

  it('finds the calling code', () => {
    expect(splitCallingCode('4915112345678')).toEqual(['49', '15112345678']);
    expect(splitCallingCode('79161234567')).toEqual(['7', '9161234567']);
    expect(splitCallingCode('971501234567')).toEqual(['971', '501234567']);
  });

  it('reads chat ids', () => {
    expect(chatIdToPhone('4915112345678@c.us')).toBe('4915112345678');
    expect(chatIdToPhone('120363012345678901@g.us')).toBeNull();
    expect(chatIdToPhone('123456789@lid')).toBeNull();
    expect(chatLabel('4915112345678@c.us')).toBe('+49 151 1234 5678');
    expect(chatLabel('4915112345678@c.us', 'Alice')).toBe('Alice');
    expect(chatLabel('120363012345678901@g.us')).toBe('Group chat');
  });

  it('normalizes and validates recipients like the API does', () => {
    expect(normalizeRecipient(' +49 (151) 123-456 78 ')).toBe('+4915112345678');
    expect(isValidRecipient('+49 151 12345678')).toBe(true);
    expect(isValidRecipient('4915112345678@c.us')).toBe(true);
    expect(isValidRecipient('120363012345678901@g.us')).toBe(true);
    expect(isValidRecipient('0151 1234')).toBe(false);
    expect(isValidRecipient('hello')).toBe(false);
  });
});
