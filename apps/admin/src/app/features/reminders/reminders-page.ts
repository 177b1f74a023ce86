import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { FieldControl, FormField } from '@latchkey/ui';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { DashboardApi, ReminderSettings, UnreachableMembers } from '../../core/dashboard-api';

/** "14, 7 and 1 days before the deadline, and the day it passes" from [14, 7, 1, 0]. */
export function scheduleText(days: readonly number[]): string {
  const sorted = [...days].sort((a, b) => b - a);
  const parts = sorted.filter((d) => d > 0).map(String);
  const before = parts.length
    ? `${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]} day${parts.length === 1 && parts[0] === '1' ? '' : 's'} before the deadline`
    : '';
  const onDay = sorted.includes(0) ? 'the day it passes' : '';
  return [before, onDay].filter(Boolean).join(', and ') || 'never';
}

@Component({
  selector: 'app-reminders-page',
  imports: [FormsModule, DatePipe, FormField, FieldControl],
  templateUrl: './reminders-page.html',
  styleUrl: './reminders-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RemindersPage implements OnInit {
  private readonly api = inject(DashboardApi);

  protected readonly settings = signal<ReminderSettings | null>(null);
  protected readonly unreachable = signal<UnreachableMembers['items'] | null>(null);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly saveProblem = signal<ApiProblem | null>(null);
  protected readonly saving = signal(false);
  protected readonly saved = signal(false);

  protected readonly enabled = signal(true);
  protected readonly senderName = signal('');
  protected readonly message = signal('');

  protected readonly schedule = computed(() => scheduleText(this.settings()?.reminderDays ?? []));

  async ngOnInit(): Promise<void> {
    try {
      const [settings, unreachable] = await Promise.all([this.api.reminderSettings(), this.api.unreachable()]);
      this.apply(settings);
      this.unreachable.set(unreachable.items);
    } catch (err) {
      this.problem.set(toApiProblem(err));
    }
  }

  private apply(s: ReminderSettings): void {
    this.settings.set(s);
    this.enabled.set(s.enabled);
    this.senderName.set(s.senderName ?? '');
    this.message.set(s.message ?? '');
  }

  protected async save(): Promise<void> {
    this.saving.set(true);
    this.saved.set(false);
    this.saveProblem.set(null);
    try {
      this.apply(
        await this.api.updateReminderSettings({
          enabled: this.enabled(),
          senderName: this.senderName().trim() || null,
          message: this.message().trim() || null,
        }),
      );
      this.saved.set(true);
    } catch (err) {
      this.saveProblem.set(toApiProblem(err));
    } finally {
      this.saving.set(false);
    }
  }
}
