import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type {
  AdoptionSummary,
  AdoptionTrend,
  AuditChainCheck,
  AuditPage,
  EventCounts,
  ReminderSettings,
  SendRemindersResult,
  UnreachableMembers,
  UpdateReminderSettingsRequest,
} from '@latchkey/contracts';
import { API_BASE } from './api-types';

export type {
  AdoptionSummary,
  AdoptionTrend,
  AuditChainCheck,
  AuditPage,
  EventCounts,
  ReminderSettings,
  SendRemindersResult,
  UnreachableMembers,
};
export type AuditEvent = AuditPage['items'][number];

/** The audit log's filters, as the API takes them (all optional; times as ISO-8601). */
export interface AuditFilters {
  memberId?: string;
  type?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

/** Query string of the set filters only. */
export function auditParams(filters: AuditFilters, extra: Record<string, string> = {}): HttpParams {
  let params = new HttpParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params = params.set(k, v);
  return params;
}

/** Typed calls for the dashboard, audit log and reminders pages. */
@Injectable({ providedIn: 'root' })
export class DashboardApi {
  private readonly http = inject(HttpClient);

  adoption(): Promise<AdoptionSummary> {
    return firstValueFrom(this.http.get<AdoptionSummary>(`${API_BASE}/dashboard/adoption`));
  }

  adoptionTrend(days: number): Promise<AdoptionTrend> {
    return firstValueFrom(
      this.http.get<AdoptionTrend>(`${API_BASE}/dashboard/adoption-trend`, {
        params: { days },
      }),
    );
  }

  auditPage(filters: AuditFilters, cursor: string | null, limit = 50): Promise<AuditPage> {
    const params = auditParams(filters, {
      limit: String(limit),
      cursor: cursor ?? '',
    });
    return firstValueFrom(this.http.get<AuditPage>(`${API_BASE}/audit`, { params }));
  }

  auditExportUrl(filters: AuditFilters, format: 'csv' | 'json'): string {
    return `${API_BASE}/audit/export?${auditParams(filters, { format }).toString()}`;
  }

  verifyAudit(): Promise<AuditChainCheck> {
    return firstValueFrom(this.http.get<AuditChainCheck>(`${API_BASE}/audit/verify`));
  }

  reminderSettings(): Promise<ReminderSettings> {
    return firstValueFrom(this.http.get<ReminderSettings>(`${API_BASE}/settings/reminders`));
  }

  updateReminderSettings(body: UpdateReminderSettingsRequest): Promise<ReminderSettings> {
    return firstValueFrom(this.http.put<ReminderSettings>(`${API_BASE}/settings/reminders`, body));
  }

  unreachable(): Promise<UnreachableMembers> {
    return firstValueFrom(this.http.get<UnreachableMembers>(`${API_BASE}/reminders/unreachable`));
  }

  sendReminders(memberIds: string[]): Promise<SendRemindersResult> {
    return firstValueFrom(
      this.http.post<SendRemindersResult>(`${API_BASE}/reminders`, {
        memberIds,
      }),
    );
  }
}
