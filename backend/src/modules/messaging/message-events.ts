import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { MessageEntity } from './message.entity';
import { mapMessage, MessageDto } from './messaging.dto';

export const MessageEvent = {
  Created: 'message.created',
  Updated: 'message.updated',
} as const;

export interface MessageChangedEvent {
  tenantId: string;
  message: MessageDto;
}

/** Domain events for live updates: a message appeared, or its status changed. */
@Injectable()
export class MessageEvents {
  constructor(private readonly emitter: EventEmitter2) {}

  created(message: MessageEntity): void {
    const event: MessageChangedEvent = { tenantId: message.tenantId, message: mapMessage(message) };
    this.emitter.emit(MessageEvent.Created, event);
  }

  updated(message: MessageEntity): void {
    const event: MessageChangedEvent = { tenantId: message.tenantId, message: mapMessage(message) };
    this.emitter.emit(MessageEvent.Updated, event);
  }
}
