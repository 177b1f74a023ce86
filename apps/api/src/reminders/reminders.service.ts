import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReminderSettings, SendRemindersResult, UnreachableMembers, UpdateReminderSettingsRequest } from '@latchkey/contracts';
import { AuditService, type AuditRecord } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { isoOrNull, newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ReminderEntity, ReminderSettingsEntity } from '../database/audit-entities';
import { Db } from '../database/db';
import { MailerService } from '../notifications/mailer.service';
import { RolloutService, type PendingMember } from '../policies/rollout.service';
import { MemberSessionsService } from '../portal/member-sessions.service';
import { exemptionReminderMail, memberReminderMail } from './reminder-mails';
import { DAY_MS, dueStep } from './reminder-steps';
import { RemindersRepository, type MemberContact } from './reminders.repository';

/** Personal enrolment links in reminder e-mails stay valid this long (single use). */
export const REMINDER_LINK_TTL_MS = 7 * DAY_MS;

interface Settings {
  enabled: boolean;
  senderName: string;
  message: string | null;
}

/**
 * Reminders: members who must still enrol get e-mails on the schedule (LATCHKEY_REMINDER_DAYS before their
 * deadline), each step once — a unique row is claimed before the e-mail goes, so restarts and several
 * instances never send it twice, and a failed send stays pending for a later tick. Owners and admins are
 * reminded before an exemption ends. Every send is audited.
 */
@Injectable()
export class RemindersService {
  private readonly logger = new Logger('Reminders');

  constructor(
    private readonly db: Db,
    private readonly repo: RemindersRepository,
    private readonly rollout: RolloutService,
    private readonly sessions: MemberSessionsService,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async getSettings(): Promise<ReminderSettings> {
    const row = await this.repo.settings();
    return {
      enabled: row?.enabled ?? true,
      senderName: row?.senderName ?? null,
      effectiveSenderName: (await this.settings()).senderName,
      message: row?.message ?? null,
      reminderDays: this.config.reminderDays,
      updatedAt: isoOrNull(row?.updatedAt),
    };
  }

  async updateSettings(input: UpdateReminderSettingsRequest, adminId: string): Promise<ReminderSettings> {
    const before = await this.repo.settings();
    const row = Object.assign(new ReminderSettingsEntity(), { id: 'default', ...input, updatedAt: this.clock.now(), updatedBy: adminId });
    await this.db.write(async (m) => {
      await this.repo.saveSettings(row, m);
      const shown = (r: ReminderSettingsEntity | null) => r && { enabled: r.enabled, senderName: r.senderName, message: r.message };
      await this.audit.record({ type: 'reminder_settings.updated', outcome: 'success', adminId, details: { before: shown(before), after: shown(row) } }, m);
    });
    return this.getSettings();
  }

  /** The scheduled run: due member reminders (when enabled), exemption reminders, retries of failed sends. */
  async runScheduled(now: Date): Promise<void> {
    if (!(await this.mailer.isAvailable())) return;
    const settings = await this.settings();
    if (settings.enabled) await this.remindMembers(now, settings);
    await this.remindExemptionManagers(now);
  }

  /** Sends a reminder now to each listed member who must still enrol and has an address. */
  async sendNow(memberIds: string[], adminId: string): Promise<SendRemindersResult> {
    const ids = [...new Set(memberIds)];
    if (!(await this.mailer.isAvailable())) return { results: ids.map((memberId) => ({ memberId, status: 'skipped', reason: 'email_unavailable' })) };
    const now = this.clock.now();
    const pending = this.rollout.pending(await this.rollout.standings(now));
    const contacts = new Map((await this.repo.contacts(ids)).map((c) => [c.id, c]));
    const settings = await this.settings();
    const results: SendRemindersResult['results'] = [];
    for (const memberId of ids) {
      const contact = contacts.get(memberId);
      const due = pending.get(memberId);
      const email = contact && (contact.email ?? contact.factor_email);
      if (!contact) results.push({ memberId, status: 'skipped', reason: 'not_found' });
      else if (!due) results.push({ memberId, status: 'skipped', reason: 'not_required' });
      else if (!email) results.push({ memberId, status: 'skipped', reason: 'no_email' });
      else {
        const status = await this.remindMember(`manual:${newId()}`, 'manual', contact, email, due, null, now, settings, adminId);
        results.push({ memberId, status: status === 'sent' ? 'sent' : 'failed', reason: null });
      }
    }
    return { results };
  }

  /** Members who must still enrol but have no e-mail address: no reminder can reach them. */
  async unreachable(): Promise<UnreachableMembers> {
    const now = this.clock.now();
    const pending = this.rollout.pending(await this.rollout.standings(now));
    const contacts = await this.repo.contacts([...pending.keys()]);
    const items = contacts.flatMap((c) => {
      const p = pending.get(c.id);
      if (!p || c.email || c.factor_email) return [];
      return [{ memberId: c.id, serverId: c.server_id, username: c.username, displayName: c.display_name, policyId: p.policyId, deadline: p.deadline.toISOString(), overdue: p.deadline <= now }];
    });
    return { items: items.sort((a, b) => a.deadline.localeCompare(b.deadline) || a.username.localeCompare(b.username)) };
  }

  private async remindMembers(now: Date, settings: Settings): Promise<void> {
    const due: (PendingMember & { step: number; key: string })[] = [];
    for (const p of this.rollout.pending(await this.rollout.standings(now)).values()) {
      const step = dueStep(p.deadline, now, this.config.reminderDays);
      if (step !== null) due.push({ ...p, step, key: `member:${p.memberId}:${p.policyId}:${p.deadline.getTime()}:${step}` });
    }
    const statuses = await this.repo.statuses(due.map((d) => d.key));
    const todo = due.filter((d) => (statuses.get(d.key) ?? 'pending') === 'pending');
    const contacts = new Map((await this.repo.contacts(todo.map((d) => d.memberId))).map((c) => [c.id, c]));
    for (const d of todo) {
      const contact = contacts.get(d.memberId);
      const email = contact && (contact.email ?? contact.factor_email);
      // No address: listed by GET /reminders/unreachable instead.
      if (contact && email) await this.remindMember(d.key, 'member', contact, email, d, d.step, now, settings, null);
    }
  }

  private async remindMember(
    key: string,
    kind: 'member' | 'manual',
    contact: MemberContact,
    email: string,
    due: PendingMember,
    step: number | null,
    now: Date,
    settings: Settings,
    requestedBy: string | null,
  ): Promise<'sent' | 'failed' | 'skipped'> {
    const row = reminderRow({ dedupeKey: key, kind, memberId: contact.id, policyId: due.policyId, deadlineAt: due.deadline, step, email, requestedBy, createdAt: now });
    return this.deliver(
      row,
      async () => {
        const link = await this.sessions.mintLink(contact.server_id, contact.external_id, 'enrol', REMINDER_LINK_TTL_MS);
        await this.mailer.send(
          memberReminderMail({
            to: email,
            memberName: contact.display_name ?? contact.username,
            ownerName: settings.senderName,
            serverName: contact.server_name,
            message: settings.message,
            deadline: due.deadline,
            now,
            link,
          }),
        );
      },
      { memberId: contact.id, adminId: requestedBy, details: { kind, step, policyId: due.policyId, deadline: due.deadline.toISOString(), to: email } },
    );
  }

  private async remindExemptionManagers(now: Date): Promise<void> {
    const days = this.config.reminderDays;
    if (!days.length) return;
    const exemptions = await this.repo.expiringExemptions(new Date(now.getTime() - DAY_MS), new Date(now.getTime() + Math.max(...days) * DAY_MS));
    if (!exemptions.length) return;
    const admins = await this.repo.exemptionManagers();
    const due = exemptions.flatMap((e) => {
      const expiresAt = new Date(Number(e.expires_at));
      const step = dueStep(expiresAt, now, days);
      return step === null ? [] : admins.map((admin) => ({ e, admin, expiresAt, step, key: `exemption:${e.id}:${expiresAt.getTime()}:${step}:${admin.id}` }));
    });
    const statuses = await this.repo.statuses(due.map((d) => d.key));
    for (const { e, admin, expiresAt, step, key } of due) {
      if ((statuses.get(key) ?? 'pending') !== 'pending') continue;
      const row = reminderRow({ dedupeKey: key, kind: 'exemption', memberId: e.member_id, adminId: admin.id, exemptionId: e.id, deadlineAt: expiresAt, step, email: admin.email, createdAt: now });
      await this.deliver(
        row,
        () =>
          this.mailer.send(
            exemptionReminderMail({
              to: admin.email,
              adminName: admin.display_name,
              memberName: e.display_name ?? e.username,
              serverName: e.server_name,
              policyName: e.policy_name,
              reason: e.reason,
              expiresAt,
              now,
              consoleUrl: `${this.config.publicUrl}/admin/exemptions`,
            }),
          ),
        { memberId: e.member_id, details: { kind: 'exemption', step, exemptionId: e.id, expiresAt: expiresAt.toISOString(), toAdminId: admin.id } },
      );
    }
  }

  /** Claims the row (once, ever), sends, and records the outcome with its audit entry. */
  private async deliver(row: ReminderEntity, send: () => Promise<void>, audit: Omit<AuditRecord, 'type' | 'outcome'>): Promise<'sent' | 'failed' | 'skipped'> {
    const id = await this.repo.claim(row);
    if (!id) return 'skipped';
    const details = { reminderId: id, ...audit.details };
    try {
      await send();
    } catch (e) {
      const error = (e as Error).message ?? String(e);
      this.logger.warn(`Reminder ${id} not sent (will retry): ${error}`);
      await this.db.write(async (m) => {
        await this.repo.markFailed(m, row.dedupeKey, error);
        await this.audit.record({ ...audit, type: 'reminder.failed', outcome: 'failure', details: { ...details, error: error.slice(0, 200) } }, m);
      });
      return 'failed';
    }
    await this.db.write(async (m) => {
      await this.repo.markSent(m, row.dedupeKey, this.clock.now());
      await this.audit.record({ ...audit, type: 'reminder.sent', outcome: 'success', details }, m);
    });
    return 'sent';
  }

  private async settings(): Promise<Settings> {
    const row = await this.repo.settings();
    return {
      enabled: row?.enabled ?? true,
      senderName: row?.senderName ?? (await this.repo.ownerName()) ?? 'Your server owner',
      message: row?.message ?? null,
    };
  }
}

function reminderRow(r: Partial<ReminderEntity> & Pick<ReminderEntity, 'dedupeKey' | 'kind' | 'email' | 'createdAt'>): ReminderEntity {
  return Object.assign(new ReminderEntity(), {
    id: newId(),
    memberId: null,
    adminId: null,
    exemptionId: null,
    policyId: null,
    deadlineAt: null,
    step: null,
    status: 'pending',
    attempts: 0,
    lastError: null,
    requestedBy: null,
    sentAt: null,
    ...r,
  });
}
