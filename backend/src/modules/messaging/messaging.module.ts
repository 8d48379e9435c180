import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DirectoryModule } from '../directory/directory.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { ChatRepository } from './chat.repository';
import { DevicePacer } from './device-pacer.service';
import { DeviceSyncProcessor } from './device-sync.processor';
import { HistorySyncService } from './history-sync.service';
import { MessageEvents } from './message-events';
import { MessageIngestService } from './message-ingest.service';
import { MessageQueueService } from './message-queue.service';
import { MessageRecoveryService } from './message-recovery.service';
import { MessageRepository } from './message.repository';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { SendMessageProcessor } from './send-message.processor';
import { SendMessageService } from './send-message.service';

/** Durable sends, the message log, chat history and device syncs. */
@Module({
  imports: [WhatsappModule, DirectoryModule, AuditModule],
  controllers: [MessagesController],
  providers: [
    SendMessageService,
    SendMessageProcessor,
    MessageQueueService,
    MessageRecoveryService,
    DevicePacer,
    MessageRepository,
    ChatRepository,
    MessageEvents,
    MessageIngestService,
    HistorySyncService,
    MessagesService,
    DeviceSyncProcessor,
  ],
})
export class MessagingModule {}
