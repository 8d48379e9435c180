import type { RawGroup } from '../directory';
import { compareText, paginate, participantV2 } from '../directory';
import { internalError } from '../errors';
import type { RouteContext } from '../server';
import { json, listOf, paginationOf, paramOf, queryOf } from './util';

const DIRECTORY = { auth: true, fault: 'directory' } as const;

export function registerGroupsRoutes({ emulator, route }: RouteContext): void {
  const groupOr500 = (sessionName: string, id: string): RawGroup => {
    const { account } = emulator.requireWorking(sessionName);
    const group = emulator.directory(account).findGroup(id);
    if (!group) {
      // whatsmeow's error surfaces through gRPC as a generic 500 in WAHA.
      throw internalError('2 UNKNOWN: failed to get group info: group not found');
    }
    return group;
  };

  // GOWS returns whatsmeow GroupInfo objects as they are (PascalCase, @s.whatsapp.net jids).
  route('GET', '/api/:session/groups', DIRECTORY, (request, reply) => {
    const query = queryOf(request);
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    const pagination = paginationOf(query, ['id', 'subject']);
    const excludeParticipants = listOf(query.exclude).includes('participants');
    let groups = [...emulator.directory(account).groups];
    if (pagination.sortBy) {
      const field = pagination.sortBy === 'subject' ? 'Name' : 'JID';
      groups.sort((a, b) => compareText(a[field], b[field]));
      if (pagination.sortOrder === 'desc') {
        groups.reverse();
      }
    }
    groups = paginate(groups, pagination.limit, pagination.offset);
    return json(
      reply,
      200,
      groups.map((group) => {
        if (!excludeParticipants) {
          return group;
        }
        const { Participants: _participants, ...rest } = group;
        return rest;
      }),
    );
  });

  route('GET', '/api/:session/groups/count', DIRECTORY, (request, reply) => {
    const { account } = emulator.requireWorking(paramOf(request, 'session'));
    return json(reply, 200, { count: emulator.directory(account).groups.length });
  });

  // Answers 200 (not 201): WAHA sets @HttpCode(OK) on this POST.
  route('POST', '/api/:session/groups/refresh', DIRECTORY, (request, reply) => {
    emulator.requireWorking(paramOf(request, 'session'));
    return json(reply, 200, { success: true });
  });

  route('GET', '/api/:session/groups/:id', DIRECTORY, (request, reply) =>
    json(reply, 200, groupOr500(paramOf(request, 'session'), paramOf(request, 'id'))),
  );

  route('GET', '/api/:session/groups/:id/participants', DIRECTORY, (request, reply) =>
    json(reply, 200, groupOr500(paramOf(request, 'session'), paramOf(request, 'id')).Participants),
  );

  route('GET', '/api/:session/groups/:id/participants/v2', DIRECTORY, (request, reply) => {
    const group = groupOr500(paramOf(request, 'session'), paramOf(request, 'id'));
    return json(
      reply,
      200,
      group.Participants.map((participant) => participantV2(participant)),
    );
  });
}
