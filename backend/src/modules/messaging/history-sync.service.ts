import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { DeviceEntity } from '../whatsapp/devices/device.entity';
import { DeviceSessionsService } from '../whatsapp/devices/device-sessions.service';
import { MessageIngestService } from './message-ingest.service';
import { ObservedMessage } from './message.repository';

/**
 * Pulls recent history per chat from WAHA (on linking and on sync) and merges it: messages already stored,
 * whether received live or sent through us, are recognised by their WhatsApp id and not duplicated.
 */
@Injectable()
export class HistorySyncService {
  private readonly logger = new Logger(HistorySyncService.name);

  constructor(
    private readonly sessions: DeviceSessionsService,
    private readonly ingest: MessageIngestService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async sync(device: DeviceEntity): Promise<number> {
    const { historyChats, historyMessagesPerChat } = this.config.messaging;
    if (historyChats === 0) return 0;
    const client = this.sessions.client(device);
    const chats = await client.chatsOverview(device.sessionName, historyChats, 0);
    let stored = 0;
    for (const chat of chats) {
      if (typeof chat?.id !== 'string') continue;
      const history = await client
        .chatMessages(device.sessionName, chat.id, historyMessagesPerChat)
        .catch((error: unknown) => {
          this.logger.warn({ err: (error as Error).message }, "Could not read a chat's history");
          return [];
        });
      const observed: ObservedMessage[] = [];
      for (const message of history) {
        if (typeof message?.id !== 'string' || typeof message.timestamp !== 'number') continue;
        const row = await this.ingest.observe(device, message, 'history');
        if (row) observed.push(row);
      }
      stored += (await this.ingest.store(device, observed)).length;
    }
    return stored;
  }
}
