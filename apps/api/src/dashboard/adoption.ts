import type { AdoptionSummary } from '@latchkey/contracts';
import { allFacts, type ReadQuery } from '../policies/all-facts';
import { POLICIES, policyFromRow, type PolicyRow } from '../policies/policy-rows';
import { enforcedPolicies, pendingMembers, standingsOf } from '../policies/standings';

/**
 * The adoption summary, computed from the database through any `ReadQuery`. Pure of Nest and TypeORM: the
 * dashboard runs it in a worker thread on a connection of its own (adoption.worker.ts), so walking every
 * member through every enforced policy never holds the service's event loop.
 */

const DAY_MS = 86_400_000;
export const RECENT_DAYS = 7;
const LIST_CAP = 50;

/** One enforced policy's figures today: the day's adoption snapshot. */
export interface PolicyFigures {
  policyId: string;
  policyName: string;
  compliant: number;
  inGrace: number;
  overdue: number;
  exempt: number;
}

export interface Adoption {
  summary: AdoptionSummary;
  policies: PolicyFigures[];
}

type Standing = AdoptionSummary['overall'];
const emptyStanding = (): Standing => ({ inScope: 0, compliant: 0, inGrace: 0, overdue: 0, exempt: 0, share: 1 });
const withShare = <T extends Standing>(s: T): T => ({ ...s, share: s.inScope - s.exempt > 0 ? s.compliant / (s.inScope - s.exempt) : 1 });

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

export type EventCountRow = { day: string; type: string; outcome: string; events: string | number };

/** Audit events per day, type and outcome since `day` (the daily counts the audit writer keeps). */
export function eventCountsSince(query: ReadQuery, day: string): Promise<EventCountRow[]> {
  return query<EventCountRow>('SELECT day, type, outcome, events FROM audit_daily_counts WHERE day >= ? ORDER BY day, type, outcome', [day]);
}

async function entryNames(query: ReadQuery, table: 'directory_groups' | 'directory_libraries'): Promise<Map<string, string>> {
  return new Map((await query<{ id: string; name: string }>(`SELECT id, name FROM ${table}`)).map((r) => [r.id, r.name]));
}

/** Reads what the summary needs (five set-based queries) and computes it. */
export async function computeAdoption(query: ReadQuery, now: Date): Promise<Adoption> {
  const policyRows = await query<PolicyRow>(`${POLICIES} ORDER BY created_at, id`);
  const members = await allFacts(query, now);
  const groupNames = await entryNames(query, 'directory_groups');
  const libraryNames = await entryNames(query, 'directory_libraries');
  const counts = await eventCountsSince(query, utcDay(new Date(now.getTime() - (RECENT_DAYS - 1) * DAY_MS)));
  const standings = standingsOf(enforcedPolicies(policyRows.map(policyFromRow)), members, now);
  const pending = pendingMembers(standings);

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

  const summary: AdoptionSummary = {
    computedAt: now.toISOString(),
    members: members.length,
    overall: withShare(overall),
    policies,
    groups: [...groups.entries()]
      .sort((a, b) => b[1].inScope - a[1].inScope || a[0].localeCompare(b[0]))
      .slice(0, LIST_CAP)
      .map(([groupId, s]) => withShare({ groupId, name: groupNames.get(groupId) ?? groupId, ...s })),
    libraries,
    deadlines: [...deadlineDays.entries()].map(([day, count]) => ({ day, count })),
    factors,
    overdueMembers,
    recent: { days: RECENT_DAYS, lockouts, failedVerifications },
  };
  const figures = policies.map((p) => ({ policyId: p.policyId, policyName: p.name, compliant: p.compliant, inGrace: p.inGrace, overdue: p.overdue, exempt: p.exempt }));
  return { summary, policies: figures };
}
