import { DatePipe, DecimalPipe, PercentPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { AdoptionSummary, AdoptionTrend, DashboardApi, SendRemindersResult } from '../../core/dashboard-api';
import { SessionStore } from '../../core/session-store';

export const TREND_DAYS = 30;
/** The charts' drawing box (SVG user units; they scale to the card's width). */
const W = 300;
const H = 140;
const PAD = 20;

type ReminderStatus = SendRemindersResult['results'][number];

export interface TrendPoint {
  day: string;
  share: number;
}

/** Daily compliance share across every policy: compliant / (compliant + in grace + overdue), summed over policies. */
export function trendPoints(trend: AdoptionTrend): TrendPoint[] {
  const byDay = new Map<string, { ok: number; due: number }>();
  for (const p of trend.policies) {
    for (const pt of p.points) {
      const d = byDay.get(pt.day) ?? { ok: 0, due: 0 };
      d.ok += pt.compliant;
      d.due += pt.compliant + pt.inGrace + pt.overdue;
      byDay.set(pt.day, d);
    }
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, d]) => ({ day, share: d.due ? d.ok / d.due : 1 }));
}

export function reminderText(r: ReminderStatus): string {
  if (r.status === 'sent') return 'Reminder sent';
  if (r.status === 'failed') return 'Sending failed';
  switch (r.reason) {
    case 'no_email':
      return 'No e-mail address';
    case 'email_unavailable':
      return 'E-mail is not set up';
    case 'not_required':
      return 'No longer needs to enrol';
    default:
      return 'Not found';
  }
}

@Component({
  selector: 'app-overview-page',
  imports: [RouterLink, DatePipe, DecimalPipe, PercentPipe],
  templateUrl: './overview-page.html',
  styleUrl: './overview-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class OverviewPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly dashboard = inject(DashboardApi);
  protected readonly admin = inject(SessionStore).admin;
  protected readonly servers = signal<number | null>(null);
  protected readonly summary = signal<AdoptionSummary | null>(null);
  protected readonly trend = signal<TrendPoint[]>([]);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly reminders = signal<ReadonlyMap<string, ReminderStatus | 'sending'>>(new Map());
  protected readonly remindProblem = signal<ApiProblem | null>(null);

  protected readonly W = W;
  protected readonly H = H;
  protected readonly PAD = PAD;

  /** The compliance table: each policy (linked), then each group and guarded library. */
  protected readonly shareRows = computed(() => {
    const s = this.summary();
    if (!s) return [];
    return [
      ...s.policies.map((p) => ({ ...p, key: `p:${p.policyId}`, label: p.name, link: ['/policies', p.policyId] })),
      ...s.groups.map((g) => ({ ...g, key: `g:${g.groupId}`, label: `Group: ${g.name}`, link: null })),
      ...s.libraries.map((l) => ({ ...l, key: `l:${l.libraryId}`, label: `Library: ${l.name}`, link: null })),
    ];
  });

  protected readonly enforced = computed(() => (this.summary()?.policies.length ?? 0) > 0);

  /** Bars of the deadlines chart, with their position in the drawing box. */
  protected readonly deadlineBars = computed(() => {
    const days = this.summary()?.deadlines ?? [];
    const max = Math.max(1, ...days.map((d) => d.count));
    const step = (W - 2 * PAD) / Math.max(1, days.length);
    return days.map((d, i) => {
      const h = ((H - 2 * PAD) * d.count) / max;
      return {
        ...d,
        x: PAD + i * step + 1,
        width: Math.max(1, step - 2),
        y: H - PAD - h,
        height: h,
      };
    });
  });
  protected readonly deadlineMax = computed(() =>
    Math.max(0, ...(this.summary()?.deadlines ?? []).map((d) => d.count)),
  );
  protected readonly deadlineTotal = computed(() => (this.summary()?.deadlines ?? []).reduce((n, d) => n + d.count, 0));
  protected readonly deadlineDays = computed(() => (this.summary()?.deadlines ?? []).filter((d) => d.count > 0));

  /** The trend line (and the area under it) in the drawing box; share 0..1 maps to the box's height. */
  protected readonly trendPath = computed(() => {
    const pts = this.trend();
    if (pts.length < 2) return null;
    const step = (W - 2 * PAD) / (pts.length - 1);
    const xy = pts.map((p, i) => [PAD + i * step, H - PAD - (H - 2 * PAD) * p.share] as const);
    const line = xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    return {
      line,
      area: `${line} L${xy[xy.length - 1][0].toFixed(1)},${H - PAD} L${PAD},${H - PAD} Z`,
    };
  });

  async ngOnInit(): Promise<void> {
    try {
      const [servers, summary, trend] = await Promise.all([
        this.api.listServers(),
        this.dashboard.adoption(),
        this.dashboard.adoptionTrend(TREND_DAYS),
      ]);
      this.servers.set(servers.items.length);
      this.summary.set(summary);
      this.trend.set(trendPoints(trend));
    } catch (err) {
      this.problem.set(toApiProblem(err));
    }
  }

  protected statusOf(memberId: string): ReminderStatus | 'sending' | undefined {
    return this.reminders().get(memberId);
  }

  protected label(r: ReminderStatus): string {
    return reminderText(r);
  }

  protected async remind(memberIds: string[]): Promise<void> {
    this.remindProblem.set(null);
    this.reminders.update((m) => new Map([...m, ...memberIds.map((id) => [id, 'sending'] as const)]));
    try {
      const { results } = await this.dashboard.sendReminders(memberIds);
      this.reminders.update((m) => new Map([...m, ...results.map((r) => [r.memberId, r] as const)]));
    } catch (err) {
      this.remindProblem.set(toApiProblem(err));
      this.reminders.update((m) => new Map([...m].filter(([id]) => !memberIds.includes(id))));
    }
  }

  protected remindAll(): Promise<void> {
    const ids = (this.summary()?.overdueMembers ?? []).map((m) => m.memberId).filter((id) => !this.statusOf(id));
    return ids.length ? this.remind(ids) : Promise.resolve();
  }
}
