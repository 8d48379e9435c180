/** Domain events between modules (in-process, @nestjs/event-emitter). Payloads carry ids, never secrets. */
export const DomainEvent = {
  UserDeleted: 'user.deleted',
} as const;

export interface UserDeletedEvent {
  tenantId: string;
  userId: string;
}
