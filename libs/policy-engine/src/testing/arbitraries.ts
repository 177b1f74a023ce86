/** fast-check arbitraries for the policy engine's property tests (not exported from the library). */
import fc from 'fast-check';
import type { FactorKind } from '../factors';
import type { ClientContext, DecisionInput, DeviceContext, Exemption, MemberFacts, Policy } from '../types';
import { HOUR_MS, T0 } from './builders';

export const POLICY_IDS = ['p1', 'p2', 'p3', 'p4', 'p5'] as const;
export const GROUPS = ['g1', 'g2', 'g3'] as const;
export const LIBRARIES = ['l1', 'l2', 'l3'] as const;
export const FACTORS: readonly FactorKind[] = ['totp', 'recovery_codes', 'email', 'passkey'];
export const CIDRS = ['192.168.0.0/16', '10.0.0.0/8', 'fd00::/8', '2001:db8::1', 'nonsense'] as const;
export const CLIENT_IPS = [null, '192.168.1.5', '10.1.2.3', '8.8.8.8', '::ffff:10.0.0.1', 'fd00::5', '2001:db8::1', '2001:db8::2', 'garbage'] as const;

/** A time between `fromDays` and `toDays` days after T0, on whole hours. */
export function timeArb(fromDays: number, toDays: number): fc.Arbitrary<Date> {
  return fc.integer({ min: fromDays * 24, max: toDays * 24 }).map((h) => new Date(T0.getTime() + h * HOUR_MS));
}

/**
 * Any time within ±100 days of T0. Activations, first sightings and "now" are drawn from narrower,
 * overlapping windows so that grace periods (0–30 days) are often running, just over, or long past.
 */
export const dateArb = timeArb(-100, 100);
const activatedArb = timeArb(-40, 5);
const firstSeenArb = fc.oneof(timeArb(-100, -40), timeArb(-40, 20));
export const nowArb = timeArb(-5, 30);

export const policyArb: fc.Arbitrary<Policy> = fc.record({
  id: fc.constantFrom(...POLICY_IDS),
  name: fc.constant('Policy'),
  enabled: fc.integer({ min: 0, max: 7 }).map((n) => n > 0),
  groups: fc.oneof(fc.constant<string[]>([]), fc.subarray([...GROUPS], { minLength: 1 })),
  libraries: fc.oneof({ weight: 2, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray([...LIBRARIES], { minLength: 1 }) }),
  gracePeriodDays: fc.integer({ min: 0, max: 30 }),
  accepted: fc.constantFrom('any' as const, 'phishing_resistant' as const),
  allowEmail: fc.boolean(),
  enforcement: fc.constantFrom('block' as const, 'restrict' as const),
  allowAppPasswords: fc.boolean(),
  reverifyAfterHours: fc.option(fc.integer({ min: 1, max: 72 }), { nil: null }),
  bypassCidrs: fc.subarray([...CIDRS]),
  firstActivatedAt: fc.option(activatedArb, { nil: null, freq: 8 }),
});

/** Up to four policies with distinct ids (so one id is always free for "add a policy"). */
export const policiesArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Policy[]>([]) },
  { weight: 6, arbitrary: fc.uniqueArray(policyArb, { selector: (p) => p.id, minLength: 1, maxLength: 4 }) },
);

export const exemptionArb: fc.Arbitrary<Exemption> = fc.record({
  id: fc.constant('x'),
  policyId: fc.constantFrom(null, ...POLICY_IDS),
  reason: fc.constant('reason'),
  expiresAt: fc.option(dateArb, { nil: null, freq: 3 }),
});

export const factorsArb = fc.subarray([...FACTORS]);

export const memberArb: fc.Arbitrary<MemberFacts> = fc.record({
  id: fc.nat(10_000).map((n) => `m${n}`),
  groups: fc.subarray([...GROUPS]),
  firstSeenAt: firstSeenArb,
  factors: factorsArb,
  exemptions: fc.oneof({ weight: 2, arbitrary: fc.constant<Exemption[]>([]) }, { weight: 1, arbitrary: fc.array(exemptionArb, { minLength: 1, maxLength: 3 }) }),
  removed: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});

export const clientArb: fc.Arbitrary<ClientContext> = fc.record({ ip: fc.constantFrom(...CLIENT_IPS), ipTrusted: fc.boolean() });

export const deviceArb: fc.Arbitrary<DeviceContext> = fc.record({ trusted: fc.boolean(), appPassword: fc.boolean(), verifiedAt: fc.option(fc.oneof(nowArb, dateArb), { nil: null, freq: 3 }) });

const requestArb = fc.oneof(
  fc.constant({ action: 'login' as const, libraryId: null }),
  fc.record({ action: fc.constant('access' as const), libraryId: fc.constantFrom(null, ...LIBRARIES) }),
);

export const inputArb: fc.Arbitrary<DecisionInput> = fc
  .tuple(nowArb, requestArb, memberArb, policiesArb, clientArb, deviceArb)
  .map(([now, request, member, policies, client, device]) => ({ now, ...request, member, policies, client, device }));
