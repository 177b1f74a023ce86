import { Injectable } from '@nestjs/common';
import type { AdoptionTrend, EventCounts } from '@latchkey/contracts';
import { Clock } from '../common/clock';
import { AuditService } from '../audit/audit.service';
import { RolloutService } from '../policies/rollout.service';
import { DashboardRepository } from './dashboard.repository';

const DAY_MS = 86_400_000;

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/** Dashboards read rollups only, never the raw audit log or the whole membership. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly rollout: RolloutService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Today's adoption snapshot of every enforced policy (the scheduled job calls this; idempotent). */
  async takeSnapshot(now: Date): Promise<void> {
    const standings = await this.rollout.standings(now);
    await this.repo.saveSnapshots(
      standings.policies.map(({ policy, preview }) => ({
        day: utcDay(now),
        policyId: policy.id,
        policyName: policy.name,
        compliant: preview.compliant,
        inGrace: preview.inGrace,
        overdue: preview.blockedNow,
        exempt: preview.exempt,
        takenAt: now,
      })),
    );
  }

  async adoptionTrend(days: number): Promise<AdoptionTrend> {
    const { from, to } = this.window(days);
    const series = new Map<string, AdoptionTrend['policies'][number]>();
    for (const r of await this.repo.snapshotsSince(from)) {
      const s = series.get(r.policy_id) ?? { policyId: r.policy_id, name: r.policy_name, points: [] };
      s.name = r.policy_name;
      s.points.push({ day: r.day, compliant: Number(r.compliant), inGrace: Number(r.in_grace), overdue: Number(r.overdue), exempt: Number(r.exempt) });
      series.set(r.policy_id, s);
    }
    return { from, to, policies: [...series.values()] };
  }

  async events(days: number): Promise<EventCounts> {
    const { from, to } = this.window(days);
    // Entries still queued by the group commit are counted when written: flush so today is complete.
    await this.audit.flush();
    const rows = await this.repo.eventCountsSince(from);
    return { from, to, items: rows.map((r) => ({ day: r.day, type: r.type, outcome: r.outcome, count: Number(r.events) })) };
  }

  private window(days: number): { from: string; to: string } {
    const now = this.clock.now();
    return { from: utcDay(new Date(now.getTime() - (days - 1) * DAY_MS)), to: utcDay(now) };
  }
}
