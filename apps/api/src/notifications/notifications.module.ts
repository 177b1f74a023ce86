import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationSender } from './notification-sender';
import { NotificationWorker } from './notification-worker';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import { OutboundHttp } from './outbound/outbound-http';

/**
 * Owner notifications and webhooks. Global so any feature can `emit` an event with one line; the
 * worker is started by main.ts (tests drive it with `drain()`).
 */
@Global()
@Module({
  controllers: [NotificationsController],
  providers: [
    {
      provide: OutboundHttp,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new OutboundHttp({ allow: config.notifications.allow, timeoutMs: config.notifications.timeoutMs }),
    },
    NotificationsRepository,
    NotificationSender,
    NotificationWorker,
    NotificationsService,
    NotificationChannelsService,
  ],
  exports: [NotificationsService, NotificationWorker],
})
export class NotificationsModule {}
