import { DAY_MS } from './factors';
import { inGroupScope, isExempt, standing } from './rules';
import type { MemberFacts, Policy, PreviewResult } from './types';

/** The Monday (UTC, `YYYY-MM-DD`) of the ISO week a date falls in. */
function isoWeekStart(date: Date): string {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * What a draft policy would do today to each member, on its own (other policies ignored), as if it were
 * enabled now — or since its first activation when it has one (a re-enabled policy hands out no new grace).
 * Each member who is not removed falls in exactly one category, checked in this order: not in group scope,
 * exempt (a valid exemption for this policy or for all), compliant, in grace (before their deadline,
 * counted by the ISO week of the deadline), blocked now (past it). Library scope and LAN bypass do not
 * matter here: the preview is about who still has to enrol. The categories add up to `total`.
 */
export function preview(draft: Policy, members: MemberFacts[], now: Date): PreviewResult {
  const activatedAt = draft.firstActivatedAt ?? now;
  const result: PreviewResult = {
    total: 0,
    compliant: 0,
    inGrace: 0,
    inGraceByWeek: [],
    blockedNow: 0,
    exempt: 0,
    notInScope: 0,
    lists: { compliant: [], inGrace: [], blockedNow: [], exempt: [] },
  };
  const weeks = new Map<string, number>();
  for (const member of members) {
    if (member.removed) continue;
    result.total++;
    if (!inGroupScope(draft, member)) {
      result.notInScope++;
      continue;
    }
    if (isExempt(draft, member, now)) {
      result.exempt++;
      result.lists.exempt.push(member.id);
      continue;
    }
    const s = standing(draft, activatedAt, member, now);
    if (s.status === 'compliant') {
      result.compliant++;
      result.lists.compliant.push(member.id);
    } else if (s.status === 'in_grace') {
      result.inGrace++;
      result.lists.inGrace.push(member.id);
      const week = isoWeekStart(s.deadline);
      weeks.set(week, (weeks.get(week) ?? 0) + 1);
    } else {
      result.blockedNow++;
      result.lists.blockedNow.push(member.id);
    }
  }
  result.inGraceByWeek = [...weeks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([weekStart, count]) => ({ weekStart, count }));
  return result;
}
