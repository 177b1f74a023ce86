import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type {
  CreateNotificationChannelRequest,
  EmailSettings,
  NotificationChannelList,
  NotificationChannelSaved,
  NotificationTestResult,
  SecuritySettings,
  Settings,
  TestEmailResult,
  UpdateEmailSettingsRequest,
  UpdateNotificationChannelRequest,
  UpdateSecuritySettingsRequest,
} from '@latchkey/contracts';
import { API_BASE } from './api-types';

const channel = (id: string) => `${API_BASE}/notifications/channels/${encodeURIComponent(id)}`;

/** The Settings page's calls: mail server, security settings, notification channels. */
@Injectable({ providedIn: 'root' })
export class SettingsApi {
  private readonly http = inject(HttpClient);

  settings(): Promise<Settings> {
    return firstValueFrom(this.http.get<Settings>(`${API_BASE}/settings`));
  }

  updateEmail(body: UpdateEmailSettingsRequest): Promise<EmailSettings> {
    return firstValueFrom(this.http.put<EmailSettings>(`${API_BASE}/settings/email`, body));
  }

  resetEmail(): Promise<EmailSettings> {
    return firstValueFrom(this.http.delete<EmailSettings>(`${API_BASE}/settings/email`));
  }

  testEmail(to: string | null): Promise<TestEmailResult> {
    return firstValueFrom(this.http.post<TestEmailResult>(`${API_BASE}/settings/email/test`, to ? { to } : {}));
  }

  updateSecurity(body: UpdateSecuritySettingsRequest): Promise<SecuritySettings> {
    return firstValueFrom(this.http.patch<SecuritySettings>(`${API_BASE}/settings/security`, body));
  }

  channels(): Promise<NotificationChannelList> {
    return firstValueFrom(this.http.get<NotificationChannelList>(`${API_BASE}/notifications/channels`));
  }

  createChannel(body: CreateNotificationChannelRequest): Promise<NotificationChannelSaved> {
    return firstValueFrom(this.http.post<NotificationChannelSaved>(`${API_BASE}/notifications/channels`, body));
  }

  updateChannel(id: string, body: UpdateNotificationChannelRequest): Promise<NotificationChannelSaved> {
    return firstValueFrom(this.http.patch<NotificationChannelSaved>(channel(id), body));
  }

  deleteChannel(id: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(channel(id)));
  }

  testChannel(id: string): Promise<NotificationTestResult> {
    return firstValueFrom(this.http.post<NotificationTestResult>(`${channel(id)}/test`, {}));
  }
}
