/**
 * Latchkey's policy engine: pure functions, no I/O. The full decision logic (scopes, strictest-wins,
 * exemptions, LAN bypass, explanations, previews) arrives with the policy-enforcement work; this is the
 * piece the foundation already relies on: how long a member has to enrol.
 */
export const DAY_MS = 86_400_000;

/**
 * A member's enrolment deadline under a policy: max(policy activated, member first seen) + grace days.
 * A member added after the policy gets their own full grace period; nobody gets a second one.
 */
export function enrolmentDeadline(activatedAt: Date, firstSeenAt: Date, gracePeriodDays: number): Date {
  if (!Number.isInteger(gracePeriodDays) || gracePeriodDays < 0) throw new RangeError('gracePeriodDays must be a whole number ≥ 0');
  return new Date(Math.max(activatedAt.getTime(), firstSeenAt.getTime()) + gracePeriodDays * DAY_MS);
}
