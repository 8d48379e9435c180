// Sending (POST /api/sendText), receiving (/emulator/inbound) and delivery receipts.

import type { Account } from './account';
import type { Emulator } from './emulator';
import { badRequest, conflict, internalError, notFound, unprocessable } from './errors';
import { incomingMessageId, outgoingMessageId } from './ids';
import { isGroupId, normalizeChatId, normalizePhone } from './jids';
import { ackPayload, buildMessage, parseMessageId } from './messages';
import type { Session } from './session';
import type { ReplyTo, WAMessage } from './types';
import { asRecord } from './validation';

const MAX_REPEAT = 100;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `config.ignore.groups` etc. drop message events for those chat kinds. */
function ignoredChat(session: Session, chatId: string): boolean {
  const ignore = session.config?.ignore;
  return Boolean(ignore?.groups && isGroupId(chatId));
}

function resolveReplyTo(account: Account, replyTo: unknown): ReplyTo | null {
  if (typeof replyTo !== 'string' || replyTo === '') {
    return null;
  }
  const parsed = parseMessageId(replyTo);
  if (!parsed) {
    // Same failure as WAHA's parseMessageIdSerialized (an unhandled Error → 500).
    throw internalError('Message id be in format false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA[_participant]');
  }
  const quoted = account.store.find(replyTo) ?? account.store.findByRawId(parsed.rawId);
  if (!quoted) {
    return null;
  }
  const quotedRawId = parseMessageId(quoted.id)?.rawId ?? parsed.rawId;
  const participant = quoted.fromMe ? quoted.from : (quoted.participant ?? quoted.from);
  return { id: quotedRawId, participant, body: quoted.body, _data: { conversation: quoted.body ?? '' } };
}

export interface SendTextResponse {
  id: string;
  _data: Record<string, unknown>;
}

export function sendText(emulator: Emulator, bodyInput: unknown): SendTextResponse {
  const body = asRecord(bodyInput);
  const { session, account, me } = emulator.requireWorking(body.session);
  const chatId = normalizeChatId(body.chatId);
  if (!chatId) {
    throw badRequest(['chatId must be a phone number or a chat id like 11111111111@c.us, …@g.us or …@lid']);
  }
  if (typeof body.text !== 'string') {
    throw badRequest(['text must be a string']);
  }
  if (body.mentions !== undefined && body.mentions !== null) {
    if (!Array.isArray(body.mentions) || !body.mentions.every((m) => typeof m === 'string')) {
      throw badRequest(['mentions must be an array of chat ids']);
    }
    if (body.mentions.includes('all') && (body.mentions.length !== 1 || !isGroupId(chatId))) {
      throw unprocessable("Mention 'all' can be used only alone and only in group chats (@g.us)");
    }
  }
  const replyTo = resolveReplyTo(account, body.reply_to);
  const directory = emulator.directory(account);
  const message = buildMessage({
    rawId: outgoingMessageId(),
    chatId,
    me,
    fromMe: true,
    body: body.text,
    timestamp: nowSeconds(),
    ack: 1,
    source: 'api',
    replyTo,
  });
  account.store.add(chatId, directory.chatName(chatId), message);
  session.touch();
  emulator.sent.push({
    session: session.name,
    chatId,
    text: body.text,
    id: message.id,
    at: new Date().toISOString(),
  });
  if (!ignoredChat(session, chatId)) {
    emulator.emit(session, 'message.any', message);
    scheduleAcks(emulator, session, account, message);
  }
  return { id: message.id, _data: message._data };
}

/** SERVER → DEVICE → READ receipts spaced by ackDelayMs (fault-injectable: reversed or none). */
function scheduleAcks(emulator: Emulator, session: Session, account: Account, message: WAMessage): void {
  const fault = emulator.faults.ackFault;
  if (fault.disabled) {
    return;
  }
  const acks = fault.reverse ? [3, 2, 1] : [1, 2, 3];
  const chatId = message.to ?? '';
  const group = isGroupId(chatId) ? emulator.directory(account).findGroup(chatId) : undefined;
  const readerJid = group?.Participants.find((p) => !p.IsSuperAdmin)?.JID ?? null;
  const reader = readerJid ? readerJid.replace('@s.whatsapp.net', '@c.us') : null;
  acks.forEach((ack, index) => {
    emulator.scheduler.after(emulator.options.ackDelayMs * (index + 1), () => {
      // Receipts for a device that was logged out or stopped in the meantime are lost.
      if (session.account !== account || session.status !== 'WORKING') {
        return;
      }
      account.store.setAck(message.id, ack);
      emulator.emit(session, 'message.ack', ackPayload(message, ack, reader));
    });
  });
}

export interface InboundResult {
  message: WAMessage;
  sessions: string[];
}

/** A message from `from` to the account with phone number `to` (every linked session gets it). */
export function receiveInbound(emulator: Emulator, bodyInput: unknown): InboundResult {
  const body = asRecord(bodyInput);
  const errors: string[] = [];
  const to = normalizePhone(body.to);
  if (!to) {
    errors.push('to must be the phone number of a paired session (digits, international format)');
  }
  const from = normalizeChatId(body.from);
  if (!from) {
    errors.push('from must be a phone number or a chat id (…@c.us, …@lid, …@g.us)');
  }
  if (typeof body.text !== 'string') {
    errors.push('text must be a string');
  }
  let participant: string | null = null;
  if (from && isGroupId(from)) {
    participant = normalizeChatId(body.participant);
    if (!participant || isGroupId(participant)) {
      errors.push('participant must be the sender (phone number, …@c.us or …@lid) for group messages');
    }
  }
  const repeat = body.repeat === undefined ? 1 : body.repeat;
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
    errors.push(`repeat must be an integer between 1 and ${MAX_REPEAT}`);
  }
  if (errors.length > 0 || !to || !from || typeof body.text !== 'string' || typeof repeat !== 'number') {
    throw badRequest(errors);
  }
  const targets = emulator.sessionsByPhone(to);
  if (targets.length === 0) {
    throw notFound(`No session is paired with phone number ${to}`);
  }
  const working = targets.filter((s) => s.status === 'WORKING');
  if (working.length === 0) {
    throw conflict(`Session '${targets[0].name}' is not WORKING (status: ${targets[0].status})`);
  }
  const rawId = incomingMessageId();
  const timestamp = nowSeconds();
  let first: WAMessage | null = null;
  for (const session of working) {
    const account = session.account;
    if (!account) {
      continue;
    }
    const { me } = emulator.requireWorking(session.name);
    const directory = emulator.directory(account);
    const sender = participant ?? from;
    const message = buildMessage({
      rawId,
      chatId: from,
      me,
      fromMe: false,
      sender,
      senderName: directory.findById(sender)?.pushname ?? null,
      body: body.text,
      timestamp,
      ack: 2,
      source: 'app',
    });
    account.store.add(from, directory.chatName(from), message);
    first = first ?? message;
    if (ignoredChat(session, from)) {
      continue;
    }
    // Duplicate delivery (WAHA issue #1384 and friends): same payload, new envelope ids.
    for (let i = 0; i < repeat; i++) {
      emulator.emit(session, 'message', message);
      emulator.emit(session, 'message.any', message);
    }
  }
  if (!first) {
    throw conflict(`No WORKING session is paired with phone number ${to}`);
  }
  return { message: first, sessions: working.map((s) => s.name) };
}
