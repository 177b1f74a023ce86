import fc from 'fast-check';
import { DECISION_ORDER, decide, ipInCidrs, preview, resolveClientIp, type Decision, type DecisionKind, type FactorKind, type Policy } from './index';
import { CIDRS, exemptionArb, FACTORS, inputArb, memberArb, policyArb, POLICY_IDS, dateArb } from './testing/arbitraries';
import { HOUR_MS } from './testing/builders';

const RUNS = { numRuns: 400 };
const rank = (d: Decision | DecisionKind) => DECISION_ORDER.indexOf(typeof d === 'string' ? d : d.decision);

/** Every library refused by `a` is refused by `b` too. */
function refusesAtLeast(b: Decision, a: Decision): boolean {
  if (b.restrictedLibraries === 'all') return true;
  if (a.restrictedLibraries === 'all') return false;
  const refused = b.restrictedLibraries;
  return a.restrictedLibraries.every((l) => refused.includes(l));
}

describe('properties of decide', () => {
  it('adding a policy never makes a decision more permissive', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, extra) => {
        const used = new Set(input.policies.map((p) => p.id));
        const added: Policy = { ...extra, id: POLICY_IDS.find((id) => !used.has(id)) ?? 'p-new' };
        const before = decide(input);
        const after = decide({ ...input, policies: [...input.policies, added] });
        expect(rank(after)).toBeGreaterThanOrEqual(rank(before));
        expect(refusesAtLeast(after, before)).toBe(true);
      }),
      RUNS,
    );
  });

  it('an exemption never makes a decision stricter', () => {
    fc.assert(
      fc.property(inputArb, exemptionArb, (input, exemption) => {
        const before = decide(input);
        const after = decide({ ...input, member: { ...input.member, exemptions: [...input.member.exemptions, exemption] } });
        expect(rank(after)).toBeLessThanOrEqual(rank(before));
        expect(refusesAtLeast(before, after)).toBe(true);
      }),
      RUNS,
    );
  });

  it('adding a factor never makes a decision stricter, except that an enrolled member is asked to use it (at most a challenge)', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(...FACTORS), (input, kind) => {
        const before = decide(input);
        const after = decide({ ...input, member: { ...input.member, factors: [...new Set<FactorKind>([...input.member.factors, kind])] } });
        expect(rank(after)).toBeLessThanOrEqual(Math.max(rank(before), rank('challenge')));
        expect(refusesAtLeast(before, after)).toBe(true);
      }),
      RUNS,
    );
  });

  it('adding a factor never makes a decision stricter on a device verified just now', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(...FACTORS), (raw, kind) => {
        const input = { ...raw, device: { trusted: true, verifiedAt: raw.now } };
        const before = decide(input);
        const after = decide({ ...input, member: { ...input.member, factors: [...new Set<FactorKind>([...input.member.factors, kind])] } });
        expect(rank(after)).toBeLessThanOrEqual(rank(before));
      }),
      RUNS,
    );
  });

  it('moving time forward never turns enrol_required back into allow_in_grace', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 60 * 24 }), (input, hours) => {
        const before = decide(input);
        const after = decide({ ...input, now: new Date(input.now.getTime() + hours * HOUR_MS) });
        if (before.decision === 'enrol_required') expect(after.decision).not.toBe('allow_in_grace');
        if (before.decision === 'enrol_required' || before.decision === 'deny') expect(rank(after)).toBeGreaterThanOrEqual(rank(before));
      }),
      RUNS,
    );
  });

  it('moving time forward never loosens a decision, except a restrict policy letting sign-in through with libraries refused', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 60 * 24 }), (input, hours) => {
        const before = decide(input);
        const after = decide({ ...input, now: new Date(input.now.getTime() + hours * HOUR_MS) });
        const restrictedLogin = input.action === 'login' && after.decision === 'allow' && after.restrictedLibraries === 'all';
        if (!restrictedLogin) expect(rank(after)).toBeGreaterThanOrEqual(rank(before));
        expect(refusesAtLeast(after, before)).toBe(true);
      }),
      RUNS,
    );
  });

  it('an untrusted client IP never gets lan_bypass', () => {
    fc.assert(
      fc.property(inputArb, (raw) => {
        const d = decide({ ...raw, client: { ip: raw.client.ip, ipTrusted: false } });
        expect(d.reasons.map((r) => r.code)).not.toContain('lan_bypass');
      }),
      RUNS,
    );
  });

  it('decide is deterministic, order-independent, leaves its input alone and never throws on valid input', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const copy = structuredClone(input);
        const d = decide(input);
        expect(input).toEqual(copy);
        expect(decide(copy)).toEqual(d);
        expect(decide({ ...copy, policies: [...copy.policies].reverse() })).toEqual(d);
        // Shape invariants.
        expect(DECISION_ORDER).toContain(d.decision);
        expect(d.reasons.length).toBeGreaterThan(0);
        expect(d.explanation).toMatch(/owner of this media server/);
        expect(d.explanation).not.toMatch(/jellyfin|plex|emby/i);
        if (d.decision !== 'challenge') expect(d.acceptedFactors).toEqual([]);
        else {
          expect(d.acceptedFactors.length).toBeGreaterThan(0);
          for (const k of d.acceptedFactors) expect(input.member.factors).toContain(k);
        }
        if (d.daysLeft !== null) expect(d.daysLeft).toBeGreaterThanOrEqual(1);
        if (d.daysLeft !== null) expect(d.deadline?.getTime()).toBeGreaterThan(input.now.getTime());
        expect(new Set(d.policyIds).size).toBe(d.policyIds.length);
        if (input.member.removed) expect(d.decision).toBe('deny');
        else expect(d.decision).not.toBe('deny');
      }),
      RUNS,
    );
  });
});

describe('properties of client addresses', () => {
  const proxies = ['10.0.0.2', '172.16.0.0/12', 'fd00::/8'];
  const hop = fc.oneof(fc.constantFrom('192.168.1.5', '10.0.0.2', '172.16.4.4', 'fd00::1', '8.8.8.8', '::ffff:10.0.0.2', '[::1]:80', 'unknown', ''), fc.string({ maxLength: 20 }));

  it('an untrusted peer is always the client, whatever X-Forwarded-For says', () => {
    fc.assert(
      fc.property(fc.constantFrom('203.0.113.9', '192.168.1.5', '2001:db8::5', '::ffff:8.8.8.8'), fc.array(hop, { maxLength: 6 }), (peer, xff) => {
        expect(resolveClientIp(peer, xff, proxies)).toEqual({ ip: peer, trusted: true });
      }),
      RUNS,
    );
  });

  it('through trusted proxies, a trusted answer is never itself a trusted proxy unless all hops were', () => {
    fc.assert(
      fc.property(fc.array(hop, { maxLength: 6 }), (xff) => {
        const r = resolveClientIp('10.0.0.2', xff, proxies);
        expect(r.ip).not.toBeNull();
        if (r.trusted && r.ip !== null && ipInCidrs(r.ip, proxies)) {
          // Every hop was a trusted proxy (or there were none): the left-most is returned.
          const hops = xff.flatMap((h) => (h.trim() === '' ? [] : h.split(',')));
          expect(hops.every((h) => ipInCidrs(h.trim().replace(/^\[(.*)\](:\d+)?$/, '$1'), proxies))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('resolveClientIp and ipInCidrs never throw, whatever strings they get', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), fc.array(fc.string()), fc.array(fc.oneof(fc.string(), fc.constantFrom(...CIDRS))), (peer, xff, cidrs) => {
        const r = resolveClientIp(peer, xff, cidrs);
        expect(typeof r.trusted).toBe('boolean');
        expect(typeof ipInCidrs(peer ?? '', cidrs)).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('every IPv4 address is inside its own /n range and inside the mapped IPv6 form of it', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, n) => {
        expect(ipInCidrs(ip, [`${ip}/${n}`])).toBe(true);
        expect(ipInCidrs(`::ffff:${ip}`, [`${ip}/${n}`])).toBe(true);
        expect(ipInCidrs(ip, [`::ffff:${ip}/${96 + n}`])).toBe(true);
      }),
      RUNS,
    );
  });

  it('every IPv6 address is inside its own /n range (an IPv4-mapped one only from /96 on)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), fc.ipV4().map((v4) => `::ffff:${v4}`)), fc.integer({ min: 0, max: 128 }), (ip, n) => {
        const mapped = ipInCidrs(ip, ['::ffff:0:0/96']);
        expect(ipInCidrs(ip, [`${ip}/${n}`])).toBe(!mapped || n >= 96);
        expect(ipInCidrs(ip, [ip])).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('properties of preview', () => {
  const membersArb = fc.uniqueArray(memberArb, { selector: (m) => m.id, maxLength: 25 });

  it('preview counts sum to the total, and lists and weeks match the counts', () => {
    fc.assert(
      fc.property(policyArb, membersArb, dateArb, (draft, members, now) => {
        const r = preview(draft, members, now);
        expect(r.total).toBe(members.filter((m) => !m.removed).length);
        expect(r.compliant + r.inGrace + r.blockedNow + r.exempt + r.notInScope).toBe(r.total);
        expect([r.lists.compliant.length, r.lists.inGrace.length, r.lists.blockedNow.length, r.lists.exempt.length]).toEqual([r.compliant, r.inGrace, r.blockedNow, r.exempt]);
        expect(r.inGraceByWeek.reduce((s, w) => s + w.count, 0)).toBe(r.inGrace);
        const weeks = r.inGraceByWeek.map((w) => w.weekStart);
        expect(weeks).toEqual([...weeks].sort());
        expect(new Set(weeks).size).toBe(weeks.length);
        for (const w of weeks) expect(new Date(`${w}T00:00:00Z`).getUTCDay()).toBe(1);
      }),
      RUNS,
    );
  });

  it('preview agrees with what decide says at sign-in under that policy alone', () => {
    fc.assert(
      fc.property(policyArb, membersArb, dateArb, (draft, members, now) => {
        const r = preview(draft, members, now);
        const enforced: Policy = { ...draft, enabled: true, libraries: [], bypassCidrs: [], firstActivatedAt: draft.firstActivatedAt ?? now };
        const at = (m: (typeof members)[number]) =>
          decide({ now, action: 'login', libraryId: null, member: m, policies: [enforced], client: { ip: null, ipTrusted: false }, device: { trusted: false, verifiedAt: null } });
        const byId = new Map(members.map((m) => [m.id, m]));
        const get = (id: string) => byId.get(id)!;
        for (const id of r.lists.exempt) expect(at(get(id)).reasons.map((x) => x.code)).toEqual(['exempt']);
        for (const id of r.lists.compliant) expect(at(get(id)).decision).toBe('challenge');
        for (const id of r.lists.inGrace) expect(at(get(id)).decision).toBe('allow_in_grace');
        for (const id of r.lists.blockedNow) expect(at(get(id)).decision).toBe(draft.enforcement === 'block' ? 'enrol_required' : 'allow');
        const listed = new Set([...r.lists.exempt, ...r.lists.compliant, ...r.lists.inGrace, ...r.lists.blockedNow]);
        for (const m of members) if (!m.removed && !listed.has(m.id)) expect(at(m).policyIds).toEqual([]);
      }),
      RUNS,
    );
  });
});
