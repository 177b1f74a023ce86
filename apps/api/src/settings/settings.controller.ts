import { Body, Controller, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import {
  EmailSettings,
  Permissions,
  SecuritySettings,
  SendTestEmailRequest,
  Settings,
  TestEmailResult,
  UpdateEmailSettingsRequest,
  UpdateSecuritySettingsRequest,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { SettingsService } from './settings.service';

@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @AdminAuth(Permissions.settingsRead)
  @Endpoint({ summary: 'The settings in effect and where each comes from (environment or console); never the SMTP password', response: Settings })
  get(): Promise<Settings> {
    return this.settings.get();
  }

  @Put('email')
  @AdminAuth(Permissions.settingsWrite, { reauth: true })
  @Endpoint({
    summary: 'Use this mail server instead of the LATCHKEY_SMTP_* environment',
    description: 'The password is stored encrypted and never returned; omit it to keep the one in effect.',
    body: UpdateEmailSettingsRequest,
    response: EmailSettings,
  })
  updateEmail(@Body() body: UpdateEmailSettingsRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<EmailSettings> {
    return this.settings.updateEmail(body, admin.adminId);
  }

  @Delete('email')
  @AdminAuth(Permissions.settingsWrite, { reauth: true })
  @Endpoint({ summary: 'Forget the console’s mail server: the LATCHKEY_SMTP_* environment applies again', response: EmailSettings })
  resetEmail(@CurrentAdmin() admin: AdminPrincipal): Promise<EmailSettings> {
    return this.settings.resetEmail(admin.adminId);
  }

  @Post('email/test')
  @AdminAuth(Permissions.settingsWrite)
  @Endpoint({
    summary: 'Send a test e-mail through the mail server in effect and report how it went',
    description: 'Goes to the signed-in admin unless `to` is given. A refused or unreachable mail server is a result (`ok: false` with the reason), not an error.',
    body: SendTestEmailRequest,
    response: TestEmailResult,
    errors: ['rate_limited'],
  })
  testEmail(@Body() body: SendTestEmailRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<TestEmailResult> {
    return this.settings.testEmail(body, admin.adminId);
  }

  @Patch('security')
  @AdminAuth(Permissions.settingsWrite, { reauth: true })
  @Endpoint({
    summary: 'Override the passkey RP ID and origins, or the device trust lifetime (null: back to the environment)',
    description: 'The RP ID must be each origin’s host or a parent domain of it. Passkeys registered under another RP ID stop working.',
    body: UpdateSecuritySettingsRequest,
    response: SecuritySettings,
  })
  updateSecurity(@Body() body: UpdateSecuritySettingsRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<SecuritySettings> {
    return this.settings.updateSecurity(body, admin.adminId);
  }
}
