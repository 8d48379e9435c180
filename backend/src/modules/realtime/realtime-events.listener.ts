import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DeviceQrEvent, DeviceStatusEvent, DomainEvent } from '../../common/events/domain-events';
import { DIRECTORY_SYNCED, DirectorySyncedEvent } from '../directory/directory-sync.service';
import { MessageChangedEvent, MessageEvent } from '../messaging/message-events';
import { RealtimeService } from './realtime.service';
import { RealtimeEvent, rooms } from './realtime.events';

/** Domain events → Socket.IO rooms. */
@Injectable()
export class RealtimeEventsListener {
  constructor(private readonly realtime: RealtimeService) {}

  @OnEvent(DomainEvent.DeviceStatus)
  onDeviceStatus(event: DeviceStatusEvent): Promise<void> {
    const { tenantId, ...payload } = event;
    return this.realtime.emit(rooms.tenant(tenantId), RealtimeEvent.DeviceStatus, payload);
  }

  @OnEvent(DomainEvent.DeviceQr)
  onDeviceQr(event: DeviceQrEvent): Promise<void> {
    const { tenantId, ...payload } = event;
    return this.realtime.emit(rooms.user(tenantId, event.userId), RealtimeEvent.DeviceQr, payload);
  }

  @OnEvent(MessageEvent.Created)
  onMessageCreated(event: MessageChangedEvent): Promise<void> {
    return this.realtime.emit(rooms.tenant(event.tenantId), RealtimeEvent.MessageCreated, event.message);
  }

  @OnEvent(MessageEvent.Updated)
  onMessageUpdated(event: MessageChangedEvent): Promise<void> {
    return this.realtime.emit(rooms.tenant(event.tenantId), RealtimeEvent.MessageUpdated, event.message);
  }

  @OnEvent(DIRECTORY_SYNCED)
  onDirectorySynced(event: DirectorySyncedEvent): Promise<void> {
    const { tenantId, ...payload } = event;
    return this.realtime.emit(rooms.tenant(tenantId), RealtimeEvent.DirectorySynced, payload);
  }
}
