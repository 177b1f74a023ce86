import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CreateNotificationChannelRequest,
  NotificationChannel,
  NotificationChannelIdParams,
  NotificationChannelList,
  NotificationChannelSaved,
  NotificationDeliveryList,
  NotificationDeliveryQuery,
  NotificationTestResult,
  Permissions,
  UpdateNotificationChannelRequest,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { NotificationChannelsService } from './notification-channels.service';

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly channels: NotificationChannelsService) {}

  @Get('channels')
  @AdminAuth(Permissions.notificationsRead)
  @Endpoint({ summary: 'List notification channels (tokens and secrets are never returned)', response: NotificationChannelList })
  async list(): Promise<NotificationChannelList> {
    return { items: await this.channels.list() };
  }

  @Post('channels')
  @AdminAuth(Permissions.notificationsWrite)
  @Endpoint({
    summary: 'Subscribe a channel (e-mail, webhook, ntfy, Gotify) to events',
    description: 'A webhook gets a signing secret, returned this once. URLs reaching loopback, private or link-local addresses are refused unless allow-listed.',
    body: CreateNotificationChannelRequest,
    response: NotificationChannelSaved,
    status: 201,
    errors: ['target_refused', 'channel_unavailable'],
  })
  create(@Body() body: CreateNotificationChannelRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<NotificationChannelSaved> {
    return this.channels.create(body, admin.adminId);
  }

  @Get('channels/:channelId')
  @AdminAuth(Permissions.notificationsRead)
  @Endpoint({ summary: 'Get a notification channel', params: NotificationChannelIdParams, response: NotificationChannel, errors: ['channel_not_found'] })
  get(@Param() p: NotificationChannelIdParams): Promise<NotificationChannel> {
    return this.channels.get(p.channelId);
  }

  @Patch('channels/:channelId')
  @AdminAuth(Permissions.notificationsWrite)
  @Endpoint({
    summary: 'Change a notification channel (or rotate a webhook secret, returned this once)',
    params: NotificationChannelIdParams,
    body: UpdateNotificationChannelRequest,
    response: NotificationChannelSaved,
    errors: ['channel_not_found', 'target_refused', 'channel_unavailable'],
  })
  update(@Param() p: NotificationChannelIdParams, @Body() body: UpdateNotificationChannelRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<NotificationChannelSaved> {
    return this.channels.update(p.channelId, body, admin.adminId);
  }

  @Delete('channels/:channelId')
  @AdminAuth(Permissions.notificationsWrite)
  @Endpoint({ summary: 'Remove a notification channel and its pending deliveries', params: NotificationChannelIdParams, status: 204, errors: ['channel_not_found'] })
  async remove(@Param() p: NotificationChannelIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.channels.remove(p.channelId, admin.adminId);
  }

  @Post('channels/:channelId/test')
  @AdminAuth(Permissions.notificationsWrite)
  @Endpoint({ summary: 'Send a test notification through the channel now and report how it went', params: NotificationChannelIdParams, response: NotificationTestResult, errors: ['channel_not_found'] })
  test(@Param() p: NotificationChannelIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<NotificationTestResult> {
    return this.channels.test(p.channelId, admin.adminId);
  }

  @Get('deliveries')
  @AdminAuth(Permissions.notificationsRead)
  @Endpoint({ summary: 'Recent deliveries, newest first, with their attempts and last error', query: NotificationDeliveryQuery, response: NotificationDeliveryList })
  async deliveries(@Query() q: NotificationDeliveryQuery): Promise<NotificationDeliveryList> {
    return { items: await this.channels.deliveries(q) };
  }
}
