import { badRequest, unprocessable } from '../errors';
import { isLidId, lidId, normalizeChatId, normalizePhone, userId } from '../jids';
import type { RouteContext } from '../server';
import { queryInt, queryString } from '../validation';
import { json, paginationOf, paramOf, queryOf } from './util';

const DIRECTORY = { auth: true, fault: 'directory' } as const;
const LIDS_DEFAULT_LIMIT = 100;

export function registerContactsRoutes({ emulator, route }: RouteContext): void {
  route('GET', '/api/contacts/all', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(queryString(query.session));
    const pagination = paginationOf(query, ['id', 'name']);
    return json(reply, 200, emulator.directory(account).listContacts(pagination));
  });

  route('GET', '/api/contacts', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(queryString(query.session));
    const id = normalizeChatId(queryString(query.contactId));
    if (!id) {
      throw badRequest(['contactId must be a phone number or a chat id']);
    }
    const directory = emulator.directory(account);
    const contact = directory.findById(id);
    // WAHA always answers, even for numbers that are not in the address book.
    return json(reply, 200, contact ? directory.toWAContact(contact) : { id, name: null, pushname: null });
  });

  route('GET', '/api/contacts/check-exists', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(queryString(query.session));
    const phoneInput = queryString(query.phone);
    if (phoneInput === undefined) {
      throw badRequest(['phone must be a string']);
    }
    const phone = normalizePhone(phoneInput);
    if (!phone) {
      return json(reply, 200, { numberExists: false, chatId: null });
    }
    // Emulated registry: every number is on WhatsApp except those ending in 0000
    // (address-book contacts always are).
    const known = emulator.directory(account).findByPhone(phone) !== undefined || phone === account.phone;
    return json(reply, 200, { numberExists: known || !phone.endsWith('0000'), chatId: userId(phone) });
  });

  route('GET', '/api/:session/lids', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const errors: string[] = [];
    const limit = queryInt(errors, 'limit', queryString(query.limit)) ?? LIDS_DEFAULT_LIMIT;
    const offset = queryInt(errors, 'offset', queryString(query.offset)) ?? 0;
    if (errors.length > 0) {
      throw badRequest(errors);
    }
    return json(reply, 200, emulator.directory(account).lids(limit, offset));
  });

  route('GET', '/api/:session/lids/count', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    return json(reply, 200, { count: emulator.directory(account).contactCount });
  });

  route('GET', '/api/:session/lids/pn/:phoneNumber', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const input = paramOf(request, 'phoneNumber');
    if (isLidId(input)) {
      return json(reply, 200, { lid: input, pn: null });
    }
    const phone = normalizePhone(input);
    if (!phone) {
      throw badRequest(['phoneNumber must be a phone number or a …@c.us chat id']);
    }
    if (phone === account.phone) {
      return json(reply, 200, { lid: lidId(account.lid), pn: userId(phone) });
    }
    const contact = emulator.directory(account).findByPhone(phone);
    return json(reply, 200, { lid: contact ? lidId(contact.lid) : null, pn: userId(phone) });
  });

  route('GET', '/api/:session/lids/:lid', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    let lid = paramOf(request, 'lid');
    if (!lid.includes('@')) {
      lid = `${lid}@lid`;
    }
    if (!isLidId(lid)) {
      throw unprocessable('Invalid LID - it must end with @lid');
    }
    if (lid === lidId(account.lid)) {
      return json(reply, 200, { lid, pn: userId(account.phone) });
    }
    const contact = emulator.directory(account).findByLid(lid);
    return json(reply, 200, { lid, pn: contact ? userId(contact.phone) : null });
  });
}
