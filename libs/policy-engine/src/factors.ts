/** Deadlines and factor compliance: the two rules every decision is built on. */
export const DAY_MS = 86_400_000;

/**
 * A member's enrolment deadline under a policy: max(policy activated, member first seen) + grace days.
 * A member added after the policy gets their own full grace period; nobody gets a second one.
 */
export function enrolmentDeadline(activatedAt: Date, firstSeenAt: Date, gracePeriodDays: number): Date {
  if (!Number.isInteger(gracePeriodDays) || gracePeriodDays < 0) throw new RangeError('gracePeriodDays must be a whole number ≥ 0');
  return new Date(Math.max(activatedAt.getTime(), firstSeenAt.getTime()) + gracePeriodDays * DAY_MS);
}

/** The kinds of second factor a member can hold. */
export type FactorKind = 'totp' | 'recovery_codes' | 'email' | 'passkey';

export interface FactorRequirement {
  /** `phishing_resistant`: only a passkey will do. */
  accepted: 'any' | 'phishing_resistant';
  /** E-mail is a weak factor (NIST 800-63B rev4 forbids it as an authenticator); a policy may exclude it. */
  allowEmail: boolean;
}

/**
 * Whether the factors a member holds satisfy a requirement. Recovery codes alone never do: they are a
 * way back in, not a factor to sign in with every day.
 */
export function complies(kinds: Iterable<FactorKind>, requirement: FactorRequirement): boolean {
  for (const kind of kinds) {
    if (kind === 'passkey') return true;
    if (requirement.accepted === 'phishing_resistant') continue;
    if (kind === 'totp') return true;
    if (kind === 'email' && requirement.allowEmail) return true;
  }
  return false;
}
