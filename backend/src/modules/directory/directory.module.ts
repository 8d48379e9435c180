import { Module } from '@nestjs/common';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { ChatGroupRepository } from './chat-group.repository';
import { ContactRepository } from './contact.repository';
import { DirectoryCache } from './directory-cache.service';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryController } from './directory.controller';
import { DirectoryService } from './directory.service';
import { LidResolver } from './lid-resolver.service';

/** Contacts and chat groups with participants, synced from WAHA and read by name. */
@Module({
  imports: [WhatsappModule],
  controllers: [DirectoryController],
  providers: [
    DirectoryService,
    DirectorySyncService,
    DirectoryCache,
    ContactRepository,
    ChatGroupRepository,
    LidResolver,
  ],
  exports: [DirectorySyncService, LidResolver],
})
export class DirectoryModule {}
