import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeviceLifecycleService } from './devices/device-lifecycle.service';
import { DeviceRepository } from './devices/device.repository';
import { DeviceSessionsService } from './devices/device-sessions.service';
import { DevicesController } from './devices/devices.controller';
import { DevicesService } from './devices/devices.service';
import { DeviceMaintenanceProcessor } from './maintenance/device-maintenance.processor';
import { WahaServerMonitorService } from './maintenance/waha-server-monitor.service';
import { WahaPoolService } from './waha/waha-pool.service';
import { WahaEventRouter } from './webhooks/waha-event-router';
import { WahaEventsProcessor } from './webhooks/waha-events.processor';
import { WahaWebhookController } from './webhooks/waha-webhook.controller';
import { WahaWebhookService } from './webhooks/waha-webhook.service';
import { WebhookInboxRepository } from './webhooks/webhook-inbox.repository';

/**
 * WhatsApp devices through WAHA: the server pool, the typed client, device linking and lifecycle, and the
 * signed webhook intake. Exports what messaging needs: devices, sessions and the event router.
 */
@Module({
  imports: [AuditModule],
  controllers: [DevicesController, WahaWebhookController],
  providers: [
    WahaPoolService,
    DeviceRepository,
    DeviceSessionsService,
    DevicesService,
    DeviceLifecycleService,
    WahaEventRouter,
    WahaWebhookService,
    WebhookInboxRepository,
    WahaEventsProcessor,
    WahaServerMonitorService,
    DeviceMaintenanceProcessor,
  ],
  exports: [DevicesService, DeviceSessionsService, DeviceRepository, WahaEventRouter, WahaPoolService],
})
export class WhatsappModule {}
