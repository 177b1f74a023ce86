import { preview } from './index';
import { day, exemption, member, policy, T0 } from './testing/builders';

describe('preview', () => {
  // T0 = Sunday 1 February 2026, 12:00 UTC.
  const now = T0;
  const draft = policy({ id: 'draft', enabled: false, firstActivatedAt: null, gracePeriodDays: 14, groups: [] });

  it('classifies every member under the draft alone, as if enabled now', () => {
    const members = [
      member({ id: 'compliant', factors: ['totp'] }),
      member({ id: 'grace', factors: [] }),
      member({ id: 'recovery-only', factors: ['recovery_codes'] }),
      member({ id: 'exempt', exemptions: [exemption({ policyId: 'draft' })] }),
      member({ id: 'exempt-all', exemptions: [exemption({ policyId: null })] }),
      member({ id: 'expired-exemption', exemptions: [exemption({ policyId: 'draft', expiresAt: day(-1) })] }),
      member({ id: 'other-policy-exemption', exemptions: [exemption({ policyId: 'p-other' })] }),
    ];
    const r = preview(draft, members, now);
    expect(r).toMatchObject({ total: 7, compliant: 1, inGrace: 4, blockedNow: 0, exempt: 2, notInScope: 0 });
    expect(r.lists).toEqual({ compliant: ['compliant'], inGrace: ['grace', 'recovery-only', 'expired-exemption', 'other-policy-exemption'], blockedNow: [], exempt: ['exempt', 'exempt-all'] });
    // Deadline: Sunday 15 February 2026 → ISO week starting Monday 9 February.
    expect(r.inGraceByWeek).toEqual([{ weekStart: '2026-02-09', count: 4 }]);
  });

  it('a draft with no grace blocks every non-compliant member now', () => {
    const r = preview({ ...draft, gracePeriodDays: 0 }, [member({ id: 'a' }), member({ id: 'b', factors: ['passkey'] })], now);
    expect(r).toMatchObject({ total: 2, compliant: 1, inGrace: 0, blockedNow: 1, inGraceByWeek: [] });
    expect(r.lists.blockedNow).toEqual(['a']);
  });

  it('an already activated policy keeps its first activation (no fresh grace period in a preview either)', () => {
    const r = preview({ ...draft, firstActivatedAt: day(-30) }, [member({ id: 'a' }), member({ id: 'late', firstSeenAt: day(-3) })], now);
    expect(r).toMatchObject({ blockedNow: 1, inGrace: 1 });
    expect(r.lists.inGrace).toEqual(['late']);
  });

  it('groups members in grace by the ISO week (Monday) of their own deadline, sorted', () => {
    const members = [
      member({ id: 'joined-later', firstSeenAt: day(10) }), // deadline Sun 1 Mar → week of Mon 23 Feb
      member({ id: 'old-1' }), // deadline Sun 15 Feb → week of Mon 9 Feb
      member({ id: 'joined-tomorrow', firstSeenAt: day(1) }), // deadline Mon 16 Feb → week of Mon 16 Feb
      member({ id: 'old-2' }),
    ];
    expect(preview(draft, members, now).inGraceByWeek).toEqual([
      { weekStart: '2026-02-09', count: 2 },
      { weekStart: '2026-02-16', count: 1 },
      { weekStart: '2026-02-23', count: 1 },
    ]);
  });

  it('a phishing-resistant draft counts only passkey holders as compliant', () => {
    const r = preview({ ...draft, accepted: 'phishing_resistant' }, [member({ id: 'app', factors: ['totp'] }), member({ id: 'key', factors: ['passkey'] })], now);
    expect(r.lists).toMatchObject({ compliant: ['key'], inGrace: ['app'] });
  });

  it('members outside the group scope are counted as not in scope, before anything else', () => {
    const scoped = { ...draft, groups: ['g-family'] };
    const r = preview(scoped, [member({ id: 'in', groups: ['g-family'] }), member({ id: 'out', groups: ['g-work'], exemptions: [exemption()] })], now);
    expect(r).toMatchObject({ total: 2, notInScope: 1, inGrace: 1, exempt: 0 });
  });

  it('library scope does not matter for a preview', () => {
    const r = preview({ ...draft, libraries: ['lib-home'] }, [member({ id: 'a' })], now);
    expect(r).toMatchObject({ total: 1, inGrace: 1, notInScope: 0 });
  });

  it('skips removed members (not even in the total)', () => {
    const r = preview(draft, [member({ id: 'gone', removed: true }), member({ id: 'here' })], now);
    expect(r).toMatchObject({ total: 1, inGrace: 1 });
  });

  it('an empty directory previews to zeros', () => {
    expect(preview(draft, [], now)).toEqual({
      total: 0,
      compliant: 0,
      inGrace: 0,
      inGraceByWeek: [],
      blockedNow: 0,
      exempt: 0,
      notInScope: 0,
      lists: { compliant: [], inGrace: [], blockedNow: [], exempt: [] },
    });
  });
});
