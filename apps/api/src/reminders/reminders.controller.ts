import { Body, Controller, Get, Post, Put } from '@nestjs/common';
import { Permissions, ReminderSettings, SendRemindersRequest, SendRemindersResult, UnreachableMembers, UpdateReminderSettingsRequest } from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { RemindersService } from './reminders.service';

@Controller()
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Get('settings/reminders')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'Reminder settings: on or off, the sender name and message members see, the schedule', response: ReminderSettings })
  settings(): Promise<ReminderSettings> {
    return this.reminders.getSettings();
  }

  @Put('settings/reminders')
  @AdminAuth(Permissions.policiesWrite)
  @Endpoint({ summary: 'Change the reminder settings (audited with before and after)', body: UpdateReminderSettingsRequest, response: ReminderSettings })
  updateSettings(@Body() body: UpdateReminderSettingsRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<ReminderSettings> {
    return this.reminders.updateSettings(body, admin.adminId);
  }

  @Get('reminders/unreachable')
  @AdminAuth(Permissions.membersRead)
  @Endpoint({ summary: 'Members who must still enrol but have no e-mail address (no reminder reaches them)', response: UnreachableMembers })
  unreachable(): Promise<UnreachableMembers> {
    return this.reminders.unreachable();
  }

  @Post('reminders')
  @AdminAuth(Permissions.policiesWrite)
  @Endpoint({
    summary: 'Send a reminder now to one member or a selection',
    description: 'Each member who must still enrol and has an e-mail address gets a reminder with a fresh personal enrolment link. Every send is audited.',
    body: SendRemindersRequest,
    response: SendRemindersResult,
  })
  send(@Body() body: SendRemindersRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<SendRemindersResult> {
    return this.reminders.sendNow(body.memberIds, admin.adminId);
  }
}
