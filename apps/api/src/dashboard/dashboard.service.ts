import { Injectable } from '@nestjs/common';
import type { AdoptionSummary, AdoptionTrend, EventCounts } from '@latchkey/contracts';
import { Clock } from '../common/clock';
import { AuditService } from '../audit/audit.service';
import { RolloutService, type Standings } from '../policies/rollout.service';
import { DashboardRepository } from './dashboard.repository';

const DAY_MS = 86_400_000;
/**
 * How long a computed adoption summary is served as is; older ones are served once more while a fresh one
 * is computed. The computation holds the event loop for about 1.4 s at 100,000 members (SQLite), which every
 * request to this instance waits out, so it runs at most once per TTL (and with the hourly snapshot).
 */
export const ADOPTION_SUMMARY_TTL_MS = 5 * 60_000;
const RECENT_DAYS = 7;
const LIST_CAP = 50;

type Standing = AdoptionSummary['overall'];
const emptyStanding = (): Standing => ({ inScope: 0, compliant: 0, inGrace: 0, overdue: 0, exempt: 0, share: 1 });
const withShare = <T extends Standing>(s: T): T => ({ ...s, share: s.inScope - s.exempt > 0 ? s.compliant / (s.inScope - s.exempt) : 1 });

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

  /**
   * Today's adoption snapshot of every enforced policy (the scheduled job calls this; idempotent). The same
   * walk over every member also refreshes the cached adoption summary.
   */
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
    if (!this.computing) this.cache(await this.computeSummary(now, standings));
  }

  private cached: { at: number; value: AdoptionSummary } | null = null;
  private computing: Promise<AdoptionSummary> | null = null;

  /**
   * The live adoption summary. Computing it walks every member through every enforced policy (about a
   * second and a half at 100,000 members), so it is cached: within the TTL the cached figures are returned as they
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
    this.computing ??= this.computeSummary(this.clock.now())
      .then((value) => this.cache(value))
      .finally(() => (this.computing = null));
    return this.computing;
  }

  private cache(value: AdoptionSummary): AdoptionSummary {
    this.cached = { at: new Date(value.computedAt).getTime(), value };
    return value;
  }

  private async computeSummary(now: Date, known?: Standings): Promise<AdoptionSummary> {
    await this.audit.flush(); // queued entries reach the daily counts
    const [standings, groupNames, libraryNames, counts] = await Promise.all([
      known ?? this.rollout.standings(now),
      this.repo.entryNames('directory_groups'),
      this.repo.entryNames('directory_libraries'),
      this.repo.eventCountsSince(utcDay(new Date(now.getTime() - (RECENT_DAYS - 1) * DAY_MS))),
    ]);
    const pending = this.rollout.pending(standings);
    const members = standings.members.length ? standings.members : await this.rollout.liveMembers(now);

    // Per member, across policies: pending (earliest deadline) wins, then exempt, then compliant.
    const exemptIds = new Set<string>();
    const compliantIds = new Set<string>();
    const policies: AdoptionSummary['policies'] = standings.policies.map(({ policy, preview: p }) => {
      for (const id of p.lists.exempt) exemptIds.add(id);
      for (const id of p.lists.compliant) compliantIds.add(id);
      return withShare({
        policyId: policy.id,
        name: policy.name,
        inScope: p.compliant + p.inGrace + p.blockedNow + p.exempt,
        compliant: p.compliant,
        inGrace: p.inGrace,
        overdue: p.blockedNow,
        exempt: p.exempt,
        share: 0,
      });
    });
    const statusOf = (id: string): keyof Omit<Standing, 'inScope' | 'share'> | null => {
      const p = pending.get(id);
      if (p) return p.deadline.getTime() <= now.getTime() ? 'overdue' : 'inGrace';
      if (exemptIds.has(id)) return 'exempt';
      return compliantIds.has(id) ? 'compliant' : null;
    };

    // Per guarded library: each member in scope of a policy guarding it, at the worst standing among those policies.
    const rank = { compliant: 0, exempt: 1, inGrace: 2, overdue: 3 } as const;
    const perLibrary = new Map<string, Map<string, keyof typeof rank>>();
    for (const { policy, preview: p } of standings.policies) {
      const lists: [keyof typeof rank, string[]][] = [
        ['compliant', p.lists.compliant],
        ['exempt', p.lists.exempt],
        ['inGrace', p.lists.inGrace],
        ['overdue', p.lists.blockedNow],
      ];
      for (const lib of policy.libraries) {
        const members = perLibrary.get(lib) ?? new Map<string, keyof typeof rank>();
        for (const [status, ids] of lists) {
          for (const id of ids) {
            const known = members.get(id);
            if (known === undefined || rank[status] > rank[known]) members.set(id, status);
          }
        }
        perLibrary.set(lib, members);
      }
    }
    const libraries = [...perLibrary.entries()].map(([libraryId, members]) => {
      const s = emptyStanding();
      for (const status of members.values()) {
        s.inScope++;
        s[status]++;
      }
      return withShare({ libraryId, name: libraryNames.get(libraryId) ?? libraryId, ...s });
    });
    libraries.sort((a, b) => a.name.localeCompare(b.name));

    const overall = emptyStanding();
    const groups = new Map<string, Standing>();
    const factors = { passkey: 0, totp: 0, email: 0, none: 0 };
    const today = utcDay(now);
    const deadlineDays = new Map<string, number>();
    for (let i = 0; i < 30; i++) deadlineDays.set(utcDay(new Date(now.getTime() + i * DAY_MS)), 0);
    for (const { facts } of members) {
      const kinds = new Set(facts.factors);
      if (kinds.has('passkey')) factors.passkey++;
      if (kinds.has('totp')) factors.totp++;
      if (kinds.has('email')) factors.email++;
      if (!kinds.size) factors.none++;
      const status = statusOf(facts.id);
      if (!status) continue;
      overall.inScope++;
      overall[status]++;
      for (const g of facts.groups) {
        const s = groups.get(g) ?? emptyStanding();
        s.inScope++;
        s[status]++;
        groups.set(g, s);
      }
      const p = pending.get(facts.id);
      if (status === 'inGrace' && p) {
        const day = utcDay(p.deadline);
        if (day >= today && deadlineDays.has(day)) deadlineDays.set(day, (deadlineDays.get(day) ?? 0) + 1);
      }
    }

    const username = new Map(members.map((m) => [m.facts.id, m.username]));
    const overdueMembers = [...pending.values()]
      .filter((p) => p.deadline.getTime() <= now.getTime())
      .sort((a, b) => a.deadline.getTime() - b.deadline.getTime() || a.memberId.localeCompare(b.memberId))
      .slice(0, LIST_CAP)
      .map((p) => ({
        memberId: p.memberId,
        username: username.get(p.memberId) ?? '',
        policyId: p.policyId,
        deadline: p.deadline.toISOString(),
      }));

    let lockouts = 0;
    let failedVerifications = 0;
    for (const c of counts) {
      if ((c.type === 'login.decision' || c.type === 'access.decision') && (c.outcome === 'deny' || c.outcome === 'enrol_required')) lockouts += Number(c.events);
      if ((c.type === 'verification' || c.type === 'passkey.verify') && c.outcome === 'failure') failedVerifications += Number(c.events);
    }

    return {
      computedAt: now.toISOString(),
      members: members.length,
      overall: withShare(overall),
      policies,
      groups: [...groups.entries()]
        .sort((a, b) => b[1].inScope - a[1].inScope || a[0].localeCompare(b[0]))
        .slice(0, LIST_CAP)
        .map(([groupId, s]) =>
          withShare({
            groupId,
            name: groupNames.get(groupId) ?? groupId,
            ...s,
          }),
        ),
      libraries,
      deadlines: [...deadlineDays.entries()].map(([day, count]) => ({
        day,
        count,
      })),
      factors,
      overdueMembers,
      recent: { days: RECENT_DAYS, lockouts, failedVerifications },
    };
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
