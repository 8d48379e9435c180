import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RealtimeEventsListener } from './realtime-events.listener';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeService } from './realtime.service';

/** Live updates over Socket.IO: device status and QR, messages, directory syncs. */
@Module({
  imports: [IdentityModule],
  providers: [RealtimeGateway, RealtimeService, RealtimeEventsListener],
})
export class RealtimeModule {}
