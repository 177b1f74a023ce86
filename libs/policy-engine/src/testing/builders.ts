/** Test builders for the policy engine's specs (not exported from the library). */
import { DAY_MS } from '../factors';
import type { DecisionInput, Exemption, MemberFacts, Policy } from '../types';

export const HOUR_MS = 3_600_000;

/** Policies are activated at T0 unless a test says otherwise. */
export const T0 = new Date('2026-02-01T12:00:00Z');

/** T0 plus a number of (possibly fractional or negative) days. */
export function day(n: number): Date {
  return new Date(T0.getTime() + n * DAY_MS);
}

export function policy(over: Partial<Policy> = {}): Policy {
  return {
    id: 'p-everyone',
    name: 'Everyone',
    enabled: true,
    groups: [],
    libraries: [],
    gracePeriodDays: 14,
    accepted: 'any',
    allowEmail: true,
    enforcement: 'block',
    allowAppPasswords: true,
    reverifyAfterHours: null,
    bypassCidrs: [],
    firstActivatedAt: T0,
    ...over,
  };
}

export function member(over: Partial<MemberFacts> = {}): MemberFacts {
  return { id: 'm-alice', groups: [], firstSeenAt: day(-100), factors: [], exemptions: [], removed: false, ...over };
}

export function exemption(over: Partial<Exemption> = {}): Exemption {
  return { id: 'x-1', policyId: null, reason: 'Grandma, no smartphone', expiresAt: null, ...over };
}

export function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    now: day(1),
    action: 'login',
    libraryId: null,
    member: member(),
    policies: [policy()],
    client: { ip: null, ipTrusted: false },
    device: { verifiedAt: null, trusted: false },
    ...over,
  };
}
