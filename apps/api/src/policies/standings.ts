import { enrolmentDeadline, preview, type MemberFacts, type Policy, type PreviewResult } from '@latchkey/policy-engine';

/** Pure functions of the rollout (no Nest, no database): the dashboard's worker thread runs them too. */

export interface Standings {
  /** Enabled policies that were activated at least once (the ones enforced). */
  policies: { policy: Policy; preview: PreviewResult }[];
  members: { facts: MemberFacts; username: string }[];
}

export interface PendingMember {
  memberId: string;
  /** The policy whose deadline is the earliest among those the member does not meet yet. */
  policyId: string;
  deadline: Date;
}

/** The enforced policies among `policies` (enabled, activated at least once), in the order given. */
export function enforcedPolicies(policies: Policy[]): Policy[] {
  return policies.filter((p) => p.enabled && p.firstActivatedAt !== null);
}

/** Every member against every enforced policy, through the policy engine's own preview. */
export function standingsOf(enforced: Policy[], members: Standings['members'], now: Date): Standings {
  const facts = members.map((m) => m.facts);
  return { policies: enforced.map((policy) => ({ policy, preview: preview(policy, facts, now) })), members };
}

/**
 * Members in scope who are neither compliant nor exempt (in grace or past their deadline), each with
 * the earliest deadline among the policies they do not meet — the one their decisions show.
 */
export function pendingMembers(s: Standings): Map<string, PendingMember> {
  const byId = new Map(s.members.map((m) => [m.facts.id, m.facts]));
  const out = new Map<string, PendingMember>();
  for (const { policy, preview: p } of s.policies) {
    for (const memberId of [...p.lists.inGrace, ...p.lists.blockedNow]) {
      const member = byId.get(memberId);
      if (!member || !policy.firstActivatedAt) continue;
      const deadline = enrolmentDeadline(policy.firstActivatedAt, member.firstSeenAt, policy.gracePeriodDays);
      const known = out.get(memberId);
      if (!known || deadline < known.deadline || (deadline.getTime() === known.deadline.getTime() && policy.id < known.policyId)) {
        out.set(memberId, { memberId, policyId: policy.id, deadline });
      }
    }
  }
  return out;
}
