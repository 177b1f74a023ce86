import { Injectable } from '@nestjs/common';
import type { AdoptionSummary, AdoptionTrend, EventCounts } from '@latchkey/contracts';
import { Clock } from '../common/clock';
import { AuditService } from '../audit/audit.service';
import { type Adoption, utcDay } from './adoption';
import { AdoptionWorker } from './adoption-worker';
import { DashboardRepository } from './dashboard.repository';

const DAY_MS = 86_400_000;
/**
 * How long a computed adoption summary is served as is; older ones are served once more while a fresh one
 * is computed. The computation takes a second or two at 100,000 members; it runs in a worker thread (the
 * service's event loop stays free), at most once per TTL (and with the hourly snapshot).
 */
export const ADOPTION_SUMMARY_TTL_MS = 5 * 60_000;

/** Dashboards read rollups only, never the raw audit log or the whole membership. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly worker: AdoptionWorker,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Today's adoption snapshot of every enforced policy (the scheduled job calls this; idempotent). The same
   * walk over every member also refreshes the cached adoption summary.
   */
  async takeSnapshot(now: Date): Promise<void> {
    const { summary, policies } = await this.compute(now);
    await this.repo.saveSnapshots(policies.map((p) => ({ day: utcDay(now), ...p, takenAt: now })));
    if (!this.computing) this.cache(summary);
  }

  private cached: { at: number; value: AdoptionSummary } | null = null;
  private computing: Promise<AdoptionSummary> | null = null;

  /**
   * The live adoption summary. Computing it walks every member through every enforced policy (a second or
   * two at 100,000 members, in the worker thread), so it is cached: within the TTL the cached figures are returned as they
   * are; after it, the stale figures are returned at once and a fresh computation starts in the
   * background (one at a time). Only the very first request waits for a computation.
   */
  async adoptionSummary(): Promise<AdoptionSummary> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < ADOPTION_SUMMARY_TTL_MS) return this.cached.value;
    const refresh = this.refreshSummary();
    if (this.cached) {
      refresh.catch(() => undefined); // the next request tries again
      return this.cached.value;
    }
    return refresh;
  }

  /** Computes fresh figures and caches them (joins a computation already under way). */
  refreshSummary(): Promise<AdoptionSummary> {
    this.computing ??= this.compute(this.clock.now())
      .then(({ summary }) => this.cache(summary))
      .finally(() => (this.computing = null));
    return this.computing;
  }

  private cache(value: AdoptionSummary): AdoptionSummary {
    this.cached = { at: new Date(value.computedAt).getTime(), value };
    return value;
  }

  /** Queued audit entries reach the daily counts, then the worker computes from the database. */
  private async compute(now: Date): Promise<Adoption> {
    await this.audit.flush();
    return this.worker.compute(now);
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
