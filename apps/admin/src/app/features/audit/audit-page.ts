import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { FieldControl, FormField } from '@latchkey/ui';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { AuditChainCheck, AuditEvent, AuditFilters, DashboardApi } from '../../core/dashboard-api';

export const AUDIT_PAGE_SIZE = 50;
export const OUTCOMES = [
  'success',
  'failure',
  'denied',
  'info',
  'allow',
  'allow_in_grace',
  'challenge',
  'enrol_required',
  'deny',
] as const;

/** A `<input type="date">` value as the start (or the end, exclusive) of that UTC day. */
export function dayBound(day: string, end = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00.000Z`);
  return new Date(end ? t + 86_400_000 : t).toISOString();
}

@Component({
  selector: 'app-audit-page',
  imports: [FormsModule, DatePipe, FormField, FieldControl],
  templateUrl: './audit-page.html',
  styleUrl: './audit-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditPage implements OnInit {
  private readonly api = inject(DashboardApi);

  protected readonly outcomes = OUTCOMES;
  protected readonly events = signal<readonly AuditEvent[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly chain = signal<AuditChainCheck | null>(null);
  protected readonly verifying = signal(false);

  protected readonly memberId = signal('');
  protected readonly type = signal('');
  protected readonly outcome = signal('');
  protected readonly fromDay = signal('');
  protected readonly toDay = signal('');
  /** The filters the table shows, so "Load more" and the export links follow the same search. */
  protected readonly applied = signal<AuditFilters>({});

  protected readonly csvUrl = computed(() => this.api.auditExportUrl(this.applied(), 'csv'));
  protected readonly jsonUrl = computed(() => this.api.auditExportUrl(this.applied(), 'json'));
  protected readonly summary = computed(() => {
    const n = this.events().length;
    if (!this.loaded()) return '';
    if (n === 0) return 'No events match.';
    return `Showing ${n} event${n === 1 ? '' : 's'}${this.nextCursor() ? ' (older ones available)' : ''}.`;
  });

  ngOnInit(): Promise<void> {
    return this.search();
  }

  protected search(): Promise<void> {
    this.applied.set({
      memberId: this.memberId().trim() || undefined,
      type: this.type().trim() || undefined,
      outcome: this.outcome() || undefined,
      from: dayBound(this.fromDay()),
      to: dayBound(this.toDay(), true),
    });
    this.events.set([]);
    this.nextCursor.set(null);
    return this.load(null);
  }

  protected loadMore(): Promise<void> {
    return this.load(this.nextCursor());
  }

  private async load(cursor: string | null): Promise<void> {
    this.loading.set(true);
    this.problem.set(null);
    try {
      const page = await this.api.auditPage(this.applied(), cursor, AUDIT_PAGE_SIZE);
      this.events.update((xs) => [...xs, ...page.items]);
      this.nextCursor.set(page.nextCursor);
      this.loaded.set(true);
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected async verify(): Promise<void> {
    this.verifying.set(true);
    this.problem.set(null);
    try {
      this.chain.set(await this.api.verifyAudit());
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.verifying.set(false);
    }
  }

  protected details(e: AuditEvent): string {
    if (!e.details) return '';
    return Object.entries(e.details)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  }
}
