import {
  canonicalChatId,
  chatIdFromMessageId,
  isGroupId,
  isLid,
  parseRecipient,
  phoneOf,
  RECIPIENT_RULE,
} from './recipient';

describe('parseRecipient', () => {
  it.each([
    ['+4915112345678', '4915112345678@c.us'],
    ['4915112345678', '4915112345678@c.us'],
    ['+49 151 1234 5678', '4915112345678@c.us'],
    ['+49-151-1234-5678', '4915112345678@c.us'],
    ['+49 (151) 1234-5678', '4915112345678@c.us'],
    ['1.415.555.0100', '14155550100@c.us'],
    ['  +4915112345678  ', '4915112345678@c.us'],
    ['1234567', '1234567@c.us'], // 7 digits: the shortest accepted number
    ['123456789012345', '123456789012345@c.us'], // 15 digits: E.164's longest
  ])('accepts the phone number %j as %s', (to, chatId) => {
    expect(parseRecipient(to)).toEqual({ chatId, kind: 'person' });
  });

  it.each([
    ['4915112345678@c.us', '4915112345678@c.us'],
    [' 4915112345678@c.us ', '4915112345678@c.us'],
  ])('accepts the person chat id %j', (to, chatId) => {
    expect(parseRecipient(to)).toEqual({ chatId, kind: 'person' });
  });

  it.each([
    ['120363012345678901@g.us'],
    ['12345@g.us'],
    // Groups created before 2022 are named after their creator and creation time.
    ['4915112345678-1612345678@g.us'],
  ])('accepts the group id %s', (to) => {
    expect(parseRecipient(to)).toEqual({ chatId: to, kind: 'group' });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['hello', 'letters'],
    ['+49151abc5678', 'letters inside a number'],
    ['015112345678', 'a national number (leading 0)'],
    ['+015112345678', 'a leading 0 after +'],
    ['123456', 'too short (6 digits)'],
    ['1234567890123456', 'too long (16 digits)'],
    ['++4915112345678', 'a double plus'],
    ['4915112345678@s.whatsapp.net', 'a whatsmeow jid'],
    ['123456789012345@lid', 'a hidden-number lid'],
    ['status@broadcast', 'the status broadcast'],
    ['1234567890@broadcast', 'a broadcast list'],
    ['120363012345678901@newsletter', 'a channel'],
    ['+4915112345678@c.us', 'a plus inside a chat id'],
    ['015112345678@c.us', 'a chat id with a leading 0'],
    ['1234@g.us', 'a group id too short'],
    ['abc-def@g.us', 'a group id with letters'],
    ['4915112345678@c.us@c.us', 'a doubled suffix'],
    ['4915112345678@C.US', 'an upper-case suffix'],
  ])('rejects %j (%s)', (to) => {
    expect(parseRecipient(to)).toBeNull();
  });

  it('explains the accepted forms in its rule', () => {
    expect(RECIPIENT_RULE).toMatch(/international format/);
    expect(RECIPIENT_RULE).toMatch(/@c\.us/);
    expect(RECIPIENT_RULE).toMatch(/@g\.us/);
  });
});

describe('chatIdFromMessageId', () => {
  it.each([
    ['true_4915112345678@c.us_3EB0C1A2B3C4D5E6F7', '4915112345678@c.us'],
    ['false_4915112345678@c.us_AAAAAAAAAAAAAAAA', '4915112345678@c.us'],
    ['false_120363012345678901@g.us_3EB0AB_4915112345678@c.us', '120363012345678901@g.us'],
    ['false_4915112345678-1612345678@g.us_3EB0AB_4915112345678@c.us', '4915112345678-1612345678@g.us'],
    ['false_123456789012345@lid_3EB0AB', '123456789012345@lid'],
    ['true_4915112345678@s.whatsapp.net_3EB0AB', '4915112345678@s.whatsapp.net'],
  ])('reads the chat of %s', (id, chatId) => {
    expect(chatIdFromMessageId(id)).toBe(chatId);
  });

  it.each([
    ['3EB0C1A2B3C4D5E6F7', 'a raw id'],
    ['', 'empty'],
    ['maybe_4915112345678@c.us_3EB0', 'neither true nor false'],
    ['true_4915112345678_3EB0', 'no server part'],
    ['true_4915112345678@c.us', 'no id after the chat'],
  ])('returns null for %j (%s)', (id) => {
    expect(chatIdFromMessageId(id)).toBeNull();
  });
});

describe('phoneOf', () => {
  it.each([
    ['4915112345678@c.us', '4915112345678'],
    ['4915112345678@s.whatsapp.net', '4915112345678'],
    ['4915112345678:12@s.whatsapp.net', '4915112345678'],
    ['4915112345678:3@c.us', '4915112345678'],
  ])('reads the number of %s', (chatId, phone) => {
    expect(phoneOf(chatId)).toBe(phone);
  });

  it.each([
    [null],
    [undefined],
    [''],
    ['123456789012345@lid'],
    ['120363012345678901@g.us'],
    ['12345@c.us'], // too short to be a phone number
    ['4915112345678'], // a bare number is not a chat id
    ['status@broadcast'],
  ])('returns null for %j', (chatId) => {
    expect(phoneOf(chatId)).toBeNull();
  });
});

describe('canonicalChatId', () => {
  it.each([
    ['4915112345678@s.whatsapp.net', '4915112345678@c.us'],
    ['4915112345678:7@s.whatsapp.net', '4915112345678@c.us'],
    ['4915112345678@c.us', '4915112345678@c.us'],
    ['120363012345678901@g.us', '120363012345678901@g.us'],
    ['123456789012345@lid', '123456789012345@lid'],
    ['status@broadcast', 'status@broadcast'],
  ])('%s → %s', (chatId, canonical) => {
    expect(canonicalChatId(chatId)).toBe(canonical);
  });
});

describe('isGroupId / isLid', () => {
  it('tells groups and lids apart', () => {
    expect(isGroupId('120363012345678901@g.us')).toBe(true);
    expect(isGroupId('4915112345678@c.us')).toBe(false);
    expect(isLid('123456789012345@lid')).toBe(true);
    expect(isLid('4915112345678@c.us')).toBe(false);
    expect(isLid(null)).toBe(false);
    expect(isLid(undefined)).toBe(false);
  });
});
