/**
 * The per-policy rules shared by `decide` and `preview`: who is in a policy's group scope, which
 * exemptions count, and where a member stands against one policy (exempt, compliant, in grace, past due).
 * Kept in one place so a preview can never disagree with the decisions it predicts.
 */
import { complies, enrolmentDeadline } from './factors';
import type { Exemption, MemberFacts, Policy } from './types';

/** Enabled and activated at least once: only such a policy is ever enforced. */
export function isActive(policy: Policy): boolean {
  return policy.enabled && policy.firstActivatedAt !== null;
}

/** Group scope: an empty list means every member; otherwise the member is in at least one listed group. */
export function inGroupScope(policy: Policy, member: MemberFacts): boolean {
  if (policy.groups.length === 0) return true;
  return member.groups.some((g) => policy.groups.includes(g));
}

/** An exemption counts while it has no expiry or expires after `now` (`expiresAt <= now` is over). */
export function exemptionValid(exemption: Exemption, now: Date): boolean {
  return exemption.expiresAt === null || exemption.expiresAt.getTime() > now.getTime();
}

/** Whether a valid exemption excuses the member from this policy (one naming it, or one for every policy). */
export function isExempt(policy: Policy, member: MemberFacts, now: Date): boolean {
  return member.exemptions.some((e) => (e.policyId === null || e.policyId === policy.id) && exemptionValid(e, now));
}

/** Whether the member holds something that would count if the policy did not insist on a passkey. */
export function holdsNonPasskeyFactor(member: MemberFacts): boolean {
  return member.factors.some((k) => k === 'totp' || k === 'email');
}

/** Where a member (already in scope and not exempt) stands against one policy at `now`. */
export type Standing =
  | { status: 'compliant' }
  | { status: 'in_grace'; deadline: Date; needsPasskey: boolean }
  | { status: 'past_deadline'; deadline: Date; needsPasskey: boolean };

/**
 * Compliance and deadline. `activatedAt` is the policy's first activation (never renewed by a
 * disable/re-enable); the member's `firstSeenAt` is never reset either, so nobody gets a second grace
 * period. The deadline always uses the policy's current `gracePeriodDays`: shortening it moves every
 * deadline earlier, lengthening it moves them later.
 */
export function standing(policy: Policy, activatedAt: Date, member: MemberFacts, now: Date): Standing {
  if (complies(member.factors, policy)) return { status: 'compliant' };
  const deadline = enrolmentDeadline(activatedAt, member.firstSeenAt, policy.gracePeriodDays);
  const needsPasskey = policy.accepted === 'phishing_resistant' && holdsNonPasskeyFactor(member);
  return now.getTime() < deadline.getTime() ? { status: 'in_grace', deadline, needsPasskey } : { status: 'past_deadline', deadline, needsPasskey };
}
