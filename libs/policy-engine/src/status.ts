import { inGroupScope, isActive, isExempt, standing } from './rules';
import type { MemberFacts, Policy } from './types';

/** Where a member stands against one policy. */
export type PolicyStatus = 'not_in_scope' | 'exempt' | 'compliant' | 'in_grace' | 'overdue';

/** Where a member stands overall: the strictest of their policies (see `memberStatus`). */
export type MemberStatus = 'not_required' | 'exempt' | 'compliant' | 'in_grace' | 'overdue';

export interface PolicyStanding {
  policyId: string;
  status: PolicyStatus;
  /** For `in_grace` and `overdue`: the member's enrolment deadline under this policy. */
  deadline: Date | null;
}

export interface MemberStatusResult {
  status: MemberStatus;
  /** The earliest deadline among the policies the member is `in_grace` or `overdue` for. */
  deadline: Date | null;
  /** One entry per active policy considered, in the order given. */
  policies: PolicyStanding[];
}

/**
 * Policies considered for a member's standing: enabled and activated once, and — when a library is
 * named — those that apply when it is opened (no libraries, or that library among theirs). Without a
 * library, library-specific policies count too: like the preview, the status is about who still has to
 * enrol, wherever it will be asked.
 */
export function policiesFor(policies: readonly Policy[], libraryId: string | null = null): Policy[] {
  return policies.filter((p) => isActive(p) && (libraryId === null || p.libraries.length === 0 || p.libraries.includes(libraryId)));
}

/** One policy's verdict on a member, with the same rules as `decide` and `preview`. */
export function policyStanding(policy: Policy, member: MemberFacts, now: Date): PolicyStanding {
  const none = { policyId: policy.id, deadline: null };
  if (!isActive(policy) || policy.firstActivatedAt === null || !inGroupScope(policy, member)) return { ...none, status: 'not_in_scope' };
  if (isExempt(policy, member, now)) return { ...none, status: 'exempt' };
  const s = standing(policy, policy.firstActivatedAt, member, now);
  if (s.status === 'compliant') return { ...none, status: 'compliant' };
  return { policyId: policy.id, deadline: s.deadline, status: s.status === 'in_grace' ? 'in_grace' : 'overdue' };
}

const RANK: Record<PolicyStatus, number> = { not_in_scope: 0, exempt: 1, compliant: 2, in_grace: 3, overdue: 4 };

/**
 * A member's overall standing for the console's members table and the adoption figures. Of the active
 * policies (see `policiesFor`) the strictest verdict wins: `overdue` (past a deadline without an accepted
 * factor), then `in_grace`, then `compliant`, then `exempt` (excused from every policy that applies).
 * `not_required` when no active policy has the member in its group scope. Removed members are judged
 * like the others (the directory keeps them; the decision for them is `deny` anyway).
 */
export function memberStatus(policies: readonly Policy[], member: MemberFacts, now: Date, libraryId: string | null = null): MemberStatusResult {
  const standings = policiesFor(policies, libraryId).map((p) => policyStanding(p, member, now));
  let worst: PolicyStatus = 'not_in_scope';
  let deadline: Date | null = null;
  for (const s of standings) {
    if (RANK[s.status] > RANK[worst]) worst = s.status;
    if (s.deadline && (deadline === null || s.deadline.getTime() < deadline.getTime())) deadline = s.deadline;
  }
  return { status: worst === 'not_in_scope' ? 'not_required' : worst, deadline, policies: standings };
}
