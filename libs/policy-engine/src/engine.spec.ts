import { decide, resolveClientIp, type Decision, type DecisionInput } from './index';
import { day, exemption, HOUR_MS, input, member, policy, T0 } from './testing/builders';

const codes = (d: Decision) => d.reasons.map((r) => r.code);

describe('decide: no policy', () => {
  it('allows with no_policy when there are no policies at all', () => {
    const d = decide(input({ policies: [] }));
    expect(d).toMatchObject({ decision: 'allow', deadline: null, daysLeft: null, acceptedFactors: [], policyIds: [], restrictedLibraries: [] });
    expect(codes(d)).toEqual(['no_policy']);
  });
  it('ignores a disabled policy', () => {
    expect(decide(input({ policies: [policy({ enabled: false })] }))).toMatchObject({ decision: 'allow', policyIds: [] });
  });
  it('ignores an enabled policy that was never activated (firstActivatedAt null)', () => {
    expect(codes(decide(input({ policies: [policy({ firstActivatedAt: null })] })))).toEqual(['no_policy']);
  });
});

describe('decide: one global policy and its deadline', () => {
  it('lets a member without factors in during the grace period, with the deadline and days left', () => {
    const d = decide(input({ now: day(2) }));
    expect(d).toMatchObject({ decision: 'allow_in_grace', deadline: day(14), daysLeft: 12, policyIds: ['p-everyone'] });
    expect(codes(d)).toEqual(['in_grace']);
  });
  it('rounds days left up (one hour before the deadline is 1 day left)', () => {
    expect(decide(input({ now: new Date(day(14).getTime() - HOUR_MS) })).daysLeft).toBe(1);
  });
  it('requires enrolment from the deadline itself on (the deadline is not part of the grace period)', () => {
    const d = decide(input({ now: day(14) }));
    expect(d).toMatchObject({ decision: 'enrol_required', deadline: day(14), daysLeft: null });
    expect(codes(d)).toEqual(['past_deadline']);
  });
  it('requires enrolment after the deadline', () => {
    expect(decide(input({ now: day(40) }))).toMatchObject({ decision: 'enrol_required', deadline: day(14) });
  });
  it('a zero-day grace period requires enrolment at once', () => {
    expect(decide(input({ now: T0, policies: [policy({ gracePeriodDays: 0 })] })).decision).toBe('enrol_required');
  });
  it('gives a member added after activation their own full grace period', () => {
    const late = member({ firstSeenAt: day(30) });
    const d = decide(input({ now: day(35), member: late }));
    expect(d).toMatchObject({ decision: 'allow_in_grace', deadline: day(44), daysLeft: 9 });
    expect(decide(input({ now: day(44), member: late })).decision).toBe('enrol_required');
  });
  it('a policy activated in the future (clock skew) counts its grace from then', () => {
    expect(decide(input({ now: T0, policies: [policy({ firstActivatedAt: day(1) })] }))).toMatchObject({ decision: 'allow_in_grace', deadline: day(15) });
  });
});

describe('decide: compliant members and devices', () => {
  const totp = member({ factors: ['totp', 'recovery_codes'] });
  it('challenges a compliant member on a device that is not verified', () => {
    const d = decide(input({ member: totp }));
    expect(d).toMatchObject({ decision: 'challenge', acceptedFactors: ['totp', 'recovery_codes'], deadline: null, daysLeft: null });
    expect(codes(d)).toEqual(['compliant_needs_verification']);
  });
  it('allows a compliant member on a trusted device', () => {
    const d = decide(input({ member: totp, device: { trusted: true, verifiedAt: null } }));
    expect(d).toMatchObject({ decision: 'allow', acceptedFactors: [] });
    expect(codes(d)).toEqual(['compliant_trusted_device']);
  });
  it('without a re-verification interval, a verification on this device (e.g. this session’s challenge) is enough', () => {
    expect(decide(input({ member: totp, device: { trusted: false, verifiedAt: day(-300) } })).decision).toBe('allow');
  });
  describe('with reverifyAfterHours = 24', () => {
    const p = policy({ reverifyAfterHours: 24 });
    const at = (hoursAgo: number, trusted: boolean) => decide(input({ member: totp, policies: [p], now: day(1), device: { trusted, verifiedAt: new Date(day(1).getTime() - hoursAgo * HOUR_MS) } })).decision;
    it('a trusted device verified 23 hours ago is allowed', () => expect(at(23, true)).toBe('allow'));
    it('a trusted device verified 25 hours ago is asked again', () => expect(at(25, true)).toBe('challenge'));
    it('a device verified exactly 24 hours ago is asked again', () => expect(at(24, true)).toBe('challenge'));
    it('an untrusted device verified an hour ago (this session’s challenge) is allowed', () => expect(at(1, false)).toBe('allow'));
    it('a trusted device with no known verification time is asked again', () => {
      expect(decide(input({ member: totp, policies: [p], device: { trusted: true, verifiedAt: null } })).decision).toBe('challenge');
    });
    it('a verification time slightly in the future (clock skew) counts as just now', () => expect(at(-0.1, false)).toBe('allow'));
  });
});

describe('decide: factors', () => {
  it('recovery codes alone never comply', () => {
    expect(decide(input({ member: member({ factors: ['recovery_codes'] }), now: day(2) })).decision).toBe('allow_in_grace');
    expect(decide(input({ member: member({ factors: ['recovery_codes'] }), now: day(20) })).decision).toBe('enrol_required');
  });
  it('e-mail complies only where the policy allows e-mail', () => {
    const m = member({ factors: ['email'] });
    expect(decide(input({ member: m })).decision).toBe('challenge');
    expect(decide(input({ member: m, policies: [policy({ allowEmail: false })] })).decision).toBe('allow_in_grace');
  });
  describe('a phishing-resistant policy is satisfied only by a passkey', () => {
    const strong = policy({ id: 'p-strong', accepted: 'phishing_resistant' });
    it('an authenticator app does not comply; the reason says a passkey is needed', () => {
      const d = decide(input({ member: member({ factors: ['totp', 'recovery_codes'] }), policies: [strong] }));
      expect(d.decision).toBe('allow_in_grace');
      expect(codes(d)).toEqual(['in_grace', 'needs_phishing_resistant']);
      expect(d.explanation).toContain('passkey');
    });
    it('no factor at all: in grace, without needs_phishing_resistant', () => {
      expect(codes(decide(input({ policies: [strong] })))).toEqual(['in_grace']);
    });
    it('past the deadline with only an authenticator app: enrol_required, still saying a passkey is needed', () => {
      expect(codes(decide(input({ member: member({ factors: ['totp'] }), policies: [strong], now: day(20) })))).toEqual(['past_deadline', 'needs_phishing_resistant']);
    });
    it('a passkey complies, and only the passkey may answer the challenge', () => {
      const d = decide(input({ member: member({ factors: ['totp', 'passkey', 'recovery_codes', 'email'] }), policies: [strong] }));
      expect(d).toMatchObject({ decision: 'challenge', acceptedFactors: ['passkey'] });
    });
  });
  describe('acceptedFactors of a challenge', () => {
    it('are the factors the member holds, strongest first, recovery codes last', () => {
      expect(decide(input({ member: member({ factors: ['recovery_codes', 'email', 'totp', 'passkey'] }) })).acceptedFactors).toEqual(['passkey', 'totp', 'email', 'recovery_codes']);
    });
    it('leave out e-mail when one of the challenging policies refuses it', () => {
      const policies = [policy({ id: 'a' }), policy({ id: 'b', allowEmail: false })];
      expect(decide(input({ member: member({ factors: ['email', 'totp'] }), policies })).acceptedFactors).toEqual(['totp']);
    });
    it('leave out recovery codes the member does not hold', () => {
      expect(decide(input({ member: member({ factors: ['totp'] }) })).acceptedFactors).toEqual(['totp']);
    });
  });
});

describe('decide: scopes', () => {
  const family = policy({ id: 'p-family', groups: ['g-family', 'g-friends'] });
  it('a group-only policy applies to a member in one of its groups', () => {
    expect(decide(input({ policies: [family], member: member({ groups: ['g-other', 'g-friends'] }) })).policyIds).toEqual(['p-family']);
  });
  it('a group-only policy does not apply to a member in none of its groups', () => {
    expect(codes(decide(input({ policies: [family], member: member({ groups: ['g-other'] }) })))).toEqual(['no_policy']);
  });
  const home = policy({ id: 'p-home', libraries: ['lib-home'], accepted: 'phishing_resistant' });
  it('a library-only policy is ignored at login', () => {
    expect(decide(input({ policies: [home], now: day(40) }))).toMatchObject({ decision: 'allow', policyIds: [] });
  });
  it('a library-only policy applies when that library is opened', () => {
    expect(decide(input({ policies: [home], now: day(40), action: 'access', libraryId: 'lib-home' }))).toMatchObject({ decision: 'enrol_required', policyIds: ['p-home'] });
  });
  it('a library-only policy does not apply when another library is opened', () => {
    expect(decide(input({ policies: [home], now: day(40), action: 'access', libraryId: 'lib-movies' }))).toMatchObject({ decision: 'allow', policyIds: [] });
  });
  it('a policy without libraries applies at every library access too', () => {
    expect(decide(input({ policies: [policy()], now: day(40), action: 'access', libraryId: 'lib-movies' })).decision).toBe('enrol_required');
  });
  it('an access with no library id meets only the policies without libraries', () => {
    expect(decide(input({ policies: [home, policy()], now: day(2), action: 'access', libraryId: null })).policyIds).toEqual(['p-everyone']);
  });
  it('group and library scope must both match', () => {
    const both = policy({ id: 'p-both', groups: ['g-kids'], libraries: ['lib-home'] });
    const access = { action: 'access' as const, libraryId: 'lib-home', now: day(40) };
    expect(decide(input({ ...access, policies: [both], member: member({ groups: ['g-kids'] }) })).decision).toBe('enrol_required');
    expect(decide(input({ ...access, policies: [both], member: member({ groups: ['g-adults'] }) })).decision).toBe('allow');
  });
});

describe('decide: overlapping policies', () => {
  it('the strictest decision wins (past deadline beats in grace)', () => {
    const d = decide(input({ now: day(10), policies: [policy({ id: 'a', gracePeriodDays: 30 }), policy({ id: 'b', gracePeriodDays: 7 })] }));
    expect(d.decision).toBe('enrol_required');
    expect(d.policyIds).toEqual(['a', 'b']);
    expect(codes(d)).toEqual(['in_grace', 'past_deadline']);
  });
  it('the earliest deadline wins', () => {
    const d = decide(input({ now: day(2), policies: [policy({ id: 'a', gracePeriodDays: 30 }), policy({ id: 'b', gracePeriodDays: 7 })] }));
    expect(d).toMatchObject({ decision: 'allow_in_grace', deadline: day(7), daysLeft: 5 });
  });
  it('phishing-resistant beats any: a member with an app is challenged by one and in grace under the other', () => {
    const d = decide(input({ member: member({ factors: ['totp'] }), policies: [policy({ id: 'any' }), policy({ id: 'strong', accepted: 'phishing_resistant', gracePeriodDays: 30 })] }));
    expect(d).toMatchObject({ decision: 'challenge', acceptedFactors: ['totp'], deadline: day(30), daysLeft: 29 });
    expect(d.explanation).toContain('add a passkey by 3 March 2026 (29 days left)');
  });
  it('with a passkey, both are satisfied and only the passkey answers', () => {
    const d = decide(input({ member: member({ factors: ['totp', 'passkey'] }), policies: [policy({ id: 'any' }), policy({ id: 'strong', accepted: 'phishing_resistant' })] }));
    expect(d).toMatchObject({ decision: 'challenge', acceptedFactors: ['passkey'] });
  });
  it('policy order in the input does not matter', () => {
    const ps = [policy({ id: 'b', gracePeriodDays: 7 }), policy({ id: 'a', accepted: 'phishing_resistant' }), policy({ id: 'c', enforcement: 'restrict', gracePeriodDays: 0 })];
    const i = input({ member: member({ factors: ['totp'] }), now: day(3) });
    expect(decide({ ...i, policies: ps })).toEqual(decide({ ...i, policies: [...ps].reverse() }));
  });
});

describe('decide: exemptions', () => {
  const p = policy({ id: 'p1' });
  const late = day(40);
  it('a valid exemption for the policy allows with reason exempt', () => {
    const d = decide(input({ now: late, policies: [p], member: member({ exemptions: [exemption({ policyId: 'p1' })] }) }));
    expect(d).toMatchObject({ decision: 'allow', policyIds: [], deadline: null });
    expect(codes(d)).toEqual(['exempt']);
  });
  it('an exemption with a future expiry counts', () => {
    expect(decide(input({ now: late, policies: [p], member: member({ exemptions: [exemption({ expiresAt: day(41) })] }) })).decision).toBe('allow');
  });
  it('an expired exemption does not count', () => {
    expect(decide(input({ now: late, policies: [p], member: member({ exemptions: [exemption({ expiresAt: day(39) })] }) })).decision).toBe('enrol_required');
  });
  it('an exemption expiring exactly now does not count', () => {
    expect(decide(input({ now: late, policies: [p], member: member({ exemptions: [exemption({ expiresAt: late })] }) })).decision).toBe('enrol_required');
  });
  it('a global exemption (policyId null) covers every policy', () => {
    const d = decide(input({ now: late, policies: [p, policy({ id: 'p2' })], member: member({ exemptions: [exemption({ policyId: null })] }) }));
    expect(d.decision).toBe('allow');
    expect(codes(d)).toEqual(['exempt', 'exempt']);
  });
  it('a policy-specific exemption leaves the other policies in force', () => {
    const d = decide(input({ now: late, policies: [p, policy({ id: 'p2' })], member: member({ exemptions: [exemption({ policyId: 'p1' })] }) }));
    expect(d).toMatchObject({ decision: 'enrol_required', policyIds: ['p2'] });
    expect(d.reasons.map((r) => [r.code, r.policyId])).toEqual([
      ['exempt', 'p1'],
      ['past_deadline', 'p2'],
    ]);
  });
  it('an exemption for another policy does not count', () => {
    expect(decide(input({ now: late, policies: [p], member: member({ exemptions: [exemption({ policyId: 'p-other' })] }) })).decision).toBe('enrol_required');
  });
});

describe('decide: LAN bypass', () => {
  const lan = policy({ id: 'p-lan', bypassCidrs: ['192.168.0.0/16', 'fd00::/8'] });
  const late = day(40);
  it('a trusted client address inside the policy’s ranges is asked nothing', () => {
    const d = decide(input({ now: late, policies: [lan], client: { ip: '192.168.1.20', ipTrusted: true } }));
    expect(d).toMatchObject({ decision: 'allow', policyIds: ['p-lan'] });
    expect(codes(d)).toEqual(['lan_bypass']);
  });
  it('an untrusted client address never gets the bypass, even inside the ranges', () => {
    const d = decide(input({ now: late, policies: [lan], client: { ip: '192.168.1.20', ipTrusted: false } }));
    expect(d.decision).toBe('enrol_required');
    expect(codes(d)).not.toContain('lan_bypass');
  });
  it('a trusted address outside the ranges gets no bypass', () => {
    expect(decide(input({ now: late, policies: [lan], client: { ip: '203.0.113.7', ipTrusted: true } })).decision).toBe('enrol_required');
  });
  it('an unknown address gets no bypass', () => {
    expect(decide(input({ now: late, policies: [lan], client: { ip: null, ipTrusted: true } })).decision).toBe('enrol_required');
  });
  it('IPv6 and IPv4-mapped addresses are matched', () => {
    expect(decide(input({ now: late, policies: [lan], client: { ip: 'fd12:3456::1', ipTrusted: true } })).decision).toBe('allow');
    expect(decide(input({ now: late, policies: [lan], client: { ip: '::ffff:192.168.7.7', ipTrusted: true } })).decision).toBe('allow');
  });
  it('the bypass belongs to one policy; others still apply', () => {
    const d = decide(input({ now: late, policies: [lan, policy({ id: 'p-other' })], client: { ip: '192.168.1.20', ipTrusted: true } }));
    expect(d.decision).toBe('enrol_required');
    expect(codes(d)).toEqual(['lan_bypass', 'past_deadline']);
  });
  it('a spoofed X-Forwarded-For from an untrusted peer does not grant it', () => {
    const r = resolveClientIp('203.0.113.9', ['192.168.1.20'], ['10.0.0.2']);
    expect(decide(input({ now: late, policies: [lan], client: { ip: r.ip, ipTrusted: r.trusted } })).decision).toBe('enrol_required');
  });
  it('an address forwarded by a trusted proxy grants it', () => {
    const r = resolveClientIp('10.0.0.2', ['192.168.1.20'], ['10.0.0.2']);
    expect(decide(input({ now: late, policies: [lan], client: { ip: r.ip, ipTrusted: r.trusted } })).decision).toBe('allow');
  });
  it('a malformed forwarded chain fails closed (no bypass)', () => {
    const r = resolveClientIp('10.0.0.2', ['192.168.1.20', 'garbage'], ['10.0.0.2']);
    expect(decide(input({ now: late, policies: [lan], client: { ip: r.ip, ipTrusted: r.trusted } })).decision).toBe('enrol_required');
  });
});

describe('decide: deadlines are never renewed', () => {
  it('shortening a grace period caps existing deadlines', () => {
    const now = day(10);
    expect(decide(input({ now, policies: [policy({ gracePeriodDays: 30 })] }))).toMatchObject({ decision: 'allow_in_grace', deadline: day(30) });
    expect(decide(input({ now, policies: [policy({ gracePeriodDays: 7 })] }))).toMatchObject({ decision: 'enrol_required', deadline: day(7) });
    const late = member({ firstSeenAt: day(5) });
    expect(decide(input({ now, member: late, policies: [policy({ gracePeriodDays: 7 })] }))).toMatchObject({ decision: 'allow_in_grace', deadline: day(12) });
  });
  it('disabling and re-enabling a policy keeps its first activation, so no fresh grace period', () => {
    const now = day(30);
    expect(decide(input({ now, policies: [policy({ enabled: false })] })).decision).toBe('allow');
    expect(decide(input({ now, policies: [policy({ enabled: true, firstActivatedAt: T0 })] }))).toMatchObject({ decision: 'enrol_required', deadline: day(14) });
  });
  it('a removed-then-re-added member keeps firstSeenAt, so no fresh grace period', () => {
    const now = day(30);
    const before = member({ firstSeenAt: day(-5) });
    expect(decide(input({ now, member: { ...before, removed: true } })).decision).toBe('deny');
    expect(decide(input({ now, member: { ...before, removed: false } }))).toMatchObject({ decision: 'enrol_required', deadline: day(14) });
  });
});

describe('decide: restrict enforcement', () => {
  const everywhere = policy({ id: 'p-r', enforcement: 'restrict' });
  const home = policy({ id: 'p-home', enforcement: 'restrict', libraries: ['lib-home'] });
  const late = day(40);
  it('in grace, restrict behaves like block (allow_in_grace, nothing refused yet)', () => {
    expect(decide(input({ policies: [everywhere] }))).toMatchObject({ decision: 'allow_in_grace', restrictedLibraries: [] });
  });
  it('past the deadline, a policy without libraries lets sign-in through and refuses all libraries', () => {
    const d = decide(input({ now: late, policies: [everywhere] }));
    expect(d).toMatchObject({ decision: 'allow', restrictedLibraries: 'all', deadline: day(14) });
    expect(codes(d)).toEqual(['restricted_library']);
    expect(d.explanation).toContain('You can still sign in, but you cannot open any library');
  });
  it('past the deadline, opening a library under a policy without libraries needs enrolment', () => {
    const d = decide(input({ now: late, policies: [everywhere], action: 'access', libraryId: 'lib-movies' }));
    expect(d).toMatchObject({ decision: 'enrol_required', restrictedLibraries: 'all' });
    expect(codes(d)).toEqual(['restricted_library']);
  });
  it('refuses only the guarded library: sign-in and other libraries go ahead', () => {
    expect(decide(input({ now: late, policies: [home] }))).toMatchObject({ decision: 'allow', restrictedLibraries: [] });
    expect(decide(input({ now: late, policies: [home], action: 'access', libraryId: 'lib-movies' })).decision).toBe('allow');
    const d = decide(input({ now: late, policies: [home], action: 'access', libraryId: 'lib-home' }));
    expect(d).toMatchObject({ decision: 'enrol_required', restrictedLibraries: ['lib-home'] });
    expect(codes(d)).toEqual(['restricted_library']);
  });
  it('a block policy in grace next to a restrict policy past due: allowed in grace, all libraries refused', () => {
    const d = decide(input({ now: day(20), policies: [everywhere, policy({ id: 'p-b', gracePeriodDays: 30 })] }));
    expect(d).toMatchObject({ decision: 'allow_in_grace', restrictedLibraries: 'all', deadline: day(14), daysLeft: null });
  });
});

describe('decide: removed members', () => {
  it('denies a removed member whatever else holds', () => {
    const d = decide(input({ member: member({ removed: true, factors: ['passkey'], exemptions: [exemption()] }), device: { trusted: true, verifiedAt: day(1) } }));
    expect(d).toMatchObject({ decision: 'deny', policyIds: [], deadline: null, restrictedLibraries: [] });
    expect(codes(d)).toEqual(['member_removed']);
  });
  it('denies a removed member even when no policy exists', () => {
    expect(decide(input({ policies: [], member: member({ removed: true }) })).decision).toBe('deny');
  });
});

describe('decide: explanations', () => {
  it('in grace, names the server owner, the date and the days left', () => {
    const p = policy({ firstActivatedAt: new Date('2026-02-17T12:00:00Z'), gracePeriodDays: 14 });
    const d = decide(input({ policies: [p], now: new Date('2026-02-19T12:00:00Z') }));
    expect(d.explanation).toBe('The owner of this media server requires two-step verification. Set it up by 3 March 2026 (12 days left); until then you can sign in as usual.');
  });
  it('a deadline at exactly midnight UTC is "by" the day before', () => {
    const p = policy({ firstActivatedAt: new Date('2026-02-17T00:00:00Z'), gracePeriodDays: 14 });
    expect(decide(input({ policies: [p], now: new Date('2026-02-20T00:00:00Z') })).explanation).toContain('by 2 March 2026 (11 days left)');
  });
  it('says "1 day left", not "1 days left"', () => {
    expect(decide(input({ now: day(13.5) })).explanation).toContain('(1 day left)');
  });

  const scenarios: [string, DecisionInput][] = [
    ['no policy', input({ policies: [] })],
    ['in grace', input()],
    ['in grace, at access', input({ action: 'access', libraryId: 'lib-1' })],
    ['past deadline', input({ now: day(40) })],
    ['passkey past deadline', input({ now: day(40), policies: [policy({ accepted: 'phishing_resistant' })], member: member({ factors: ['totp'] }) })],
    ['challenge', input({ member: member({ factors: ['totp'] }) })],
    ['trusted device', input({ member: member({ factors: ['totp'] }), device: { trusted: true, verifiedAt: null } })],
    ['exempt', input({ member: member({ exemptions: [exemption({ reason: 'SECRET-EXEMPTION-REASON' })] }) })],
    ['lan', input({ policies: [policy({ bypassCidrs: ['10.0.0.0/8'] })], client: { ip: '10.1.1.1', ipTrusted: true } })],
    ['restricted login', input({ now: day(40), policies: [policy({ enforcement: 'restrict' })] })],
    ['restricted access', input({ now: day(40), action: 'access', libraryId: 'l', policies: [policy({ enforcement: 'restrict', libraries: ['l'] })] })],
    ['removed', input({ member: member({ removed: true }) })],
  ];
  it.each(scenarios)('%s: names the owner of this media server, never a media-server product, no admin-written text', (_name, i) => {
    const named = { ...i, policies: i.policies.map((p) => ({ ...p, name: 'SECRET-POLICY-NAME' })) };
    const d = decide(named);
    expect(d.explanation).toMatch(/owner of this media server/i);
    for (const text of [d.explanation, ...d.reasons.map((r) => r.message)]) {
      expect(text).not.toMatch(/jellyfin|plex|emby/i);
      expect(text).not.toMatch(/SECRET-/);
      expect(text.length).toBeGreaterThan(10);
    }
  });
  it.each(scenarios)('%s: is deterministic (same input, same output)', (_name, i) => {
    expect(decide(i)).toEqual(decide(structuredClone(i)));
  });
  it('explains a challenge with the ways it can be answered', () => {
    expect(decide(input({ member: member({ factors: ['totp', 'recovery_codes'] }) })).explanation).toBe(
      'The owner of this media server requires two-step verification. Confirm it is you with your authenticator app or a recovery code to sign in.',
    );
  });
  it('explains a block past the deadline with the date it passed', () => {
    expect(decide(input({ now: day(40) })).explanation).toBe(
      'The owner of this media server requires two-step verification, and the deadline to set it up passed on 15 February 2026. Set it up to sign in again.',
    );
  });
});
