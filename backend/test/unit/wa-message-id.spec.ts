import { waMessageIdOf } from '../../src/modules/messaging/wa-message-id';

describe("waMessageIdOf (WhatsApp's id in WAHA's sendText answer)", () => {
  it('reads GOWS answers: {id: string}', () => {
    expect(waMessageIdOf({ id: 'true_4915112345678@c.us_3EB0C1A2', _data: {} })).toBe(
      'true_4915112345678@c.us_3EB0C1A2',
    );
  });

  it('reads WEBJS answers: {id: {_serialized}}', () => {
    expect(
      waMessageIdOf({
        id: {
          fromMe: true,
          remote: '4915112345678@c.us',
          id: '3EB0C1A2',
          _serialized: 'true_4915112345678@c.us_3EB0C1A2',
        },
        body: 'hi',
      }),
    ).toBe('true_4915112345678@c.us_3EB0C1A2');
  });

  it('builds the serialized id from NOWEB answers: {key: {remoteJid, fromMe, id}}', () => {
    expect(
      waMessageIdOf({
        key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: true, id: 'BAE5F2' },
        message: {},
        status: 1,
      }),
    ).toBe('true_4915112345678@c.us_BAE5F2');
    expect(waMessageIdOf({ key: { remoteJid: '120363012345678901@g.us', fromMe: true, id: 'BAE5F3' } })).toBe(
      'true_120363012345678901@g.us_BAE5F3',
    );
    expect(waMessageIdOf({ key: { remoteJid: '4915112345678@s.whatsapp.net', id: 'BAE5F4' } })).toBe(
      'true_4915112345678@c.us_BAE5F4',
    );
    expect(
      waMessageIdOf({ key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: 'BAE5F5' } }),
    ).toBe('false_4915112345678@c.us_BAE5F5');
  });

  it.each([
    [null],
    [undefined],
    ['true_4915112345678@c.us_3EB0'],
    [42],
    [{}],
    [{ id: '' }],
    [{ id: 42 }],
    [{ id: { _serialized: '' } }],
    [{ id: { id: '3EB0' } }],
    [{ key: { remoteJid: '4915112345678@s.whatsapp.net' } }],
    [{ key: { id: 'BAE5' } }],
    [{ key: null }],
  ])('returns null for an unrecognisable answer %j', (result) => {
    expect(waMessageIdOf(result)).toBeNull();
  });
});
