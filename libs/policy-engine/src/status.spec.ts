import fc from 'fast-check';
import { decide, memberStatus, policyStanding, preview } from './index';
import { day, exemption, input, member, policy } from './testing/builders';

describe('memberStatus', () => {
  const now = day(1);

  it('is not_required when no active policy has the member in scope', () => {
    expect(memberStatus([], member(), now)).toEqual({ status: 'not_required', deadline: null, policies: [] });
    expect(memberStatus([policy({ enabled: false })], member(), now).status).toBe('not_required');
    expect(memberStatus([policy({ firstActivatedAt: null })], member(), now).status).toBe('not_required');
    expect(memberStatus([policy({ groups: ['g-kids'] })], member({ groups: ['g-adults'] }), now).status).toBe('not_required');
  });

  it('is in_grace before the deadline and overdue from it on, with the deadline', () => {
    const p = policy({ gracePeriodDays: 14 });
    expect(memberStatus([p], member(), now)).toMatchObject({ status: 'in_grace', deadline: day(14) });
    expect(memberStatus([p], member(), day(14))).toMatchObject({ status: 'overdue', deadline: day(14) });
    // A member seen later gets their own grace period.
    expect(memberStatus([p], member({ firstSeenAt: day(10) }), day(14))).toMatchObject({ status: 'in_grace', deadline: day(24) });
  });

  it('counts recovery codes alone as nothing, and e-mail only where the policy accepts it', () => {
    expect(memberStatus([policy()], member({ factors: ['recovery_codes'] }), now).status).toBe('in_grace');
    expect(memberStatus([policy()], member({ factors: ['email'] }), now).status).toBe('compliant');
    expect(memberStatus([policy({ allowEmail: false })], member({ factors: ['email'] }), now).status).toBe('in_grace');
    expect(memberStatus([policy({ accepted: 'phishing_resistant' })], member({ factors: ['totp'] }), now).status).toBe('in_grace');
  });

  it('lets the strictest policy win and reports the earliest deadline', () => {
    const loose = policy({ id: 'p-any', gracePeriodDays: 30 });
    const strict = policy({ id: 'p-passkey', accepted: 'phishing_resistant', gracePeriodDays: 7 });
    const r = memberStatus([loose, strict], member({ factors: ['totp'] }), now);
    expect(r).toMatchObject({ status: 'in_grace', deadline: day(7) });
    expect(r.policies.map((s) => [s.policyId, s.status])).toEqual([
      ['p-any', 'compliant'],
      ['p-passkey', 'in_grace'],
    ]);
    expect(memberStatus([loose, strict], member({ factors: ['totp'] }), day(8)).status).toBe('overdue');
  });

  it('is exempt only when excused from every policy that applies', () => {
    const a = policy({ id: 'p-a' });
    const b = policy({ id: 'p-b' });
    expect(memberStatus([a, b], member({ exemptions: [exemption({ policyId: null })] }), now).status).toBe('exempt');
    expect(memberStatus([a, b], member({ exemptions: [exemption({ policyId: 'p-a' })] }), now).status).toBe('in_grace');
    expect(memberStatus([a, b], member({ factors: ['totp'], exemptions: [exemption({ policyId: 'p-a' })] }), now).status).toBe('compliant');
    // An expired exemption does not count.
    expect(memberStatus([a], member({ exemptions: [exemption({ expiresAt: now })] }), now).status).toBe('in_grace');
  });

  it('with a library, judges by the policies that apply when it is opened', () => {
    const home = policy({ id: 'p-home', libraries: ['lib-home'], gracePeriodDays: 0 });
    expect(memberStatus([home], member(), now, 'lib-movies').status).toBe('not_required');
    expect(memberStatus([home], member(), now, 'lib-home').status).toBe('overdue');
    expect(memberStatus([home], member(), now).status).toBe('overdue');
  });

  it('agrees with preview for a single policy, and with decide on who must enrol', () => {
    const facts = fc.record({
      factors: fc.subarray(['totp', 'recovery_codes', 'email', 'passkey'] as const),
      groups: fc.subarray(['g1', 'g2']),
      firstSeen: fc.integer({ min: -60, max: 30 }),
      exempt: fc.constantFrom(null, 'all', 'p', 'expired'),
    });
    const pol = fc.record({
      groups: fc.subarray(['g1', 'g2']),
      grace: fc.integer({ min: 0, max: 40 }),
      accepted: fc.constantFrom('any' as const, 'phishing_resistant' as const),
      allowEmail: fc.boolean(),
      at: fc.integer({ min: -40, max: 0 }),
    });
    fc.assert(
      fc.property(facts, pol, fc.integer({ min: 0, max: 60 }), (f, p, t) => {
        const when = day(t);
        const pp = policy({ id: 'p', groups: p.groups, gracePeriodDays: p.grace, accepted: p.accepted, allowEmail: p.allowEmail, firstActivatedAt: day(p.at) });
        const ex = f.exempt === null ? [] : [exemption({ policyId: f.exempt === 'p' ? 'p' : null, expiresAt: f.exempt === 'expired' ? day(-100) : null })];
        const m = member({ factors: [...f.factors], groups: [...f.groups], firstSeenAt: day(f.firstSeen), exemptions: ex });
        const status = memberStatus([pp], m, when).status;
        const pv = preview(pp, [m], when);
        const expected = pv.notInScope ? 'not_required' : pv.exempt ? 'exempt' : pv.compliant ? 'compliant' : pv.inGrace ? 'in_grace' : 'overdue';
        expect(status).toBe(expected);
        const d = decide(input({ now: when, member: m, policies: [pp] })).decision;
        if (status === 'overdue') expect(d).toBe('enrol_required');
        if (status === 'in_grace') expect(d).toBe('allow_in_grace');
      }),
    );
  });

  it('policyStanding says not_in_scope for a disabled policy', () => {
    expect(policyStanding(policy({ enabled: false }), member(), now).status).toBe('not_in_scope');
  });
});
