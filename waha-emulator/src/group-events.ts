// group.v2.* events driven by POST /emulator/group-event, keeping the directory in sync.

import { randomBytes } from 'node:crypto';
import type { Directory, GroupParticipantV2, ParticipantRole, RawGroup } from './directory';
import { participantV2 } from './directory';
import type { Emulator, WorkingSession } from './emulator';
import { badRequest, conflict, notFound } from './errors';
import { isGroupId, normalizeChatId, normalizePhone, toWhatsmeowJid } from './jids';
import { asRecord } from './validation';

type ParticipantsAction = 'join' | 'leave' | 'promote' | 'demote';

const PARTICIPANT_ACTIONS: ParticipantsAction[] = ['join', 'leave', 'promote', 'demote'];

/** WAHA's normalised GroupInfo (the `group` of group.v2.join). */
function groupInfo(group: RawGroup): Record<string, unknown> {
  return {
    id: group.JID,
    subject: group.Name,
    description: group.Topic,
    invite: undefined,
    participants: group.Participants.map((p) => participantV2(p)),
    membersCanAddNewMember: group.MemberAddMode === 'all_member_add',
    // Mirrors WAHA's GOWS mapping verbatim (it uses IsAnnounce without negating it).
    membersCanSendMessages: Boolean(group.IsAnnounce),
    newMembersApprovalRequired: group.IsJoinApprovalRequired,
  };
}

/** whatsmeow events.GroupInfo skeleton used as `_data`. */
function groupInfoEvent(group: RawGroup, sender: string): Record<string, unknown> {
  return {
    JID: group.JID,
    Notify: '',
    Sender: sender,
    Timestamp: new Date().toISOString(),
    PrevParticipantVersionID: group.ParticipantVersionID,
    ParticipantVersionID: String(Date.now()),
    JoinReason: '',
    Join: null,
    Leave: null,
    Promote: null,
    Demote: null,
  };
}

function targetSession(emulator: Emulator, body: Record<string, unknown>): WorkingSession {
  if (typeof body.session === 'string' && body.session !== '') {
    if (!emulator.sessions.has(body.session)) {
      throw notFound('Session not found');
    }
    return workingOrConflict(emulator, body.session);
  }
  const phone = normalizePhone(body.phoneNumber);
  if (!phone) {
    throw badRequest(['session or phoneNumber is required']);
  }
  const sessions = emulator.sessionsByPhone(phone);
  if (sessions.length === 0) {
    throw notFound(`No session is paired with phone number ${phone}`);
  }
  const working = sessions.find((s) => s.status === 'WORKING') ?? sessions[0];
  return workingOrConflict(emulator, working.name);
}

function workingOrConflict(emulator: Emulator, name: string): WorkingSession {
  const session = emulator.sessions.get(name);
  if (!session || session.status !== 'WORKING' || !session.account) {
    throw conflict(`Session '${name}' is not WORKING (status: ${session?.status ?? 'STOPPED'})`);
  }
  return emulator.requireWorking(name);
}

function memberIds(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const ids: string[] = [];
  for (const item of value) {
    const raw =
      typeof item === 'object' && item !== null && 'id' in item ? (item as { id: unknown }).id : item;
    const id = normalizeChatId(raw);
    if (!id || isGroupId(id)) {
      throw badRequest([`participants must contain phone numbers or chat ids (got ${JSON.stringify(raw)})`]);
    }
    ids.push(id);
  }
  return ids;
}

function requireGroup(directory: Directory, groupId: string): RawGroup {
  const group = directory.findGroup(groupId);
  if (!group) {
    throw notFound(`Group ${groupId} not found`);
  }
  return group;
}

export interface EmittedEvent {
  event: string;
  payload: unknown;
}

export function emitGroupEvent(emulator: Emulator, bodyInput: unknown): EmittedEvent[] {
  const body = asRecord(bodyInput);
  const type = body.type;
  if (type !== 'join' && type !== 'leave' && type !== 'update' && type !== 'participants') {
    throw badRequest(['type must be one of the following values: join, leave, update, participants']);
  }
  const { session, account, me } = targetSession(emulator, body);
  const directory = emulator.directory(account);
  let groupId = body.groupId === undefined && type === 'join' ? null : normalizeChatId(body.groupId);
  if (groupId !== null && !isGroupId(groupId)) {
    throw badRequest(['groupId must be a group id (…@g.us)']);
  }
  if (groupId === null && type !== 'join') {
    throw badRequest(['groupId must be a group id (…@g.us)']);
  }
  const meJid = toWhatsmeowJid(me.id);
  const emitted: EmittedEvent[] = [];
  const emit = (event: string, payload: unknown): void => {
    emulator.emit(session, event, payload);
    emitted.push({ event, payload });
  };

  if (type === 'join') {
    groupId =
      groupId ??
      `120363${BigInt(`0x${randomBytes(6).toString('hex')}`)
        .toString()
        .padStart(12, '0')
        .slice(-12)}@g.us`;
    let group = directory.findGroup(groupId);
    if (!group) {
      const name =
        typeof body.subject === 'string'
          ? body.subject
          : typeof body.name === 'string'
            ? body.name
            : 'New group';
      group = directory.newGroup(groupId, name, memberIds(body.participants), new Date());
      if (typeof body.description === 'string') {
        group.Topic = body.description;
      }
      directory.groups.push(group);
    }
    emit('group.v2.join', {
      timestamp: Date.now(),
      group: groupInfo(group),
      _data: { ...group, Reason: 'invite', Type: 'new' },
    });
    return emitted;
  }

  const group = requireGroup(directory, groupId ?? '');
  if (type === 'leave') {
    directory.groups.splice(directory.groups.indexOf(group), 1);
    emit('group.v2.leave', {
      timestamp: Date.now(),
      group: { id: group.JID },
      _data: { ...groupInfoEvent(group, meJid), Leave: [meJid] },
    });
    return emitted;
  }

  if (type === 'update') {
    const data = groupInfoEvent(group, meJid);
    const partial: Record<string, unknown> = { id: group.JID };
    if (typeof body.subject === 'string') {
      group.Name = body.subject;
      partial.subject = body.subject;
      data.Name = { Name: body.subject, NameSetAt: new Date().toISOString(), NameSetBy: meJid };
    }
    if (typeof body.description === 'string') {
      group.Topic = body.description;
      partial.description = body.description;
      data.Topic = {
        Topic: body.description,
        TopicID: '',
        TopicSetAt: new Date().toISOString(),
        TopicSetBy: meJid,
        TopicDeleted: false,
      };
    }
    if (Object.keys(partial).length === 1) {
      throw badRequest(['subject or description is required for an update event']);
    }
    emit('group.v2.update', { timestamp: Date.now(), group: partial, _data: data });
    return emitted;
  }

  const action = body.action;
  if (!PARTICIPANT_ACTIONS.includes(action as ParticipantsAction)) {
    throw badRequest(['action must be one of the following values: join, leave, promote, demote']);
  }
  const ids = memberIds(body.participants);
  if (ids.length === 0) {
    throw badRequest(['participants should not be empty']);
  }
  const roles: Record<ParticipantsAction, ParticipantRole> = {
    join: 'participant',
    leave: 'left',
    promote: 'admin',
    demote: 'participant',
  };
  const changed: GroupParticipantV2[] = [];
  const jids: string[] = [];
  let meLeft = false;
  for (const id of ids) {
    let entry = group.Participants.find((p) => directory.participantMatches(p, id));
    if (action === 'join' && !entry) {
      entry = directory.rawParticipant(group, id);
      group.Participants.push(entry);
    }
    if (!entry) {
      entry = directory.rawParticipant(group, id);
    } else if (action === 'leave') {
      group.Participants.splice(group.Participants.indexOf(entry), 1);
      meLeft = meLeft || id === me.id;
    } else if (action === 'promote') {
      entry.IsAdmin = true;
    } else if (action === 'demote') {
      entry.IsAdmin = false;
      entry.IsSuperAdmin = false;
    }
    changed.push(participantV2(entry, roles[action as ParticipantsAction]));
    jids.push(entry.JID);
  }
  const key = { join: 'Join', leave: 'Leave', promote: 'Promote', demote: 'Demote' }[
    action as ParticipantsAction
  ];
  const data = { ...groupInfoEvent(group, meJid), [key]: jids };
  emit('group.v2.participants', {
    group: { id: group.JID },
    type: action,
    timestamp: Date.now(),
    participants: changed,
    _data: data,
  });
  if (meLeft) {
    directory.groups.splice(directory.groups.indexOf(group), 1);
    emit('group.v2.leave', { timestamp: Date.now(), group: { id: group.JID }, _data: data });
  }
  return emitted;
}
