import { complies, type FactorKind } from './factors';
import { daysUntil, explain, reasonMessage } from './explain';
import { ipInCidrs } from './ip';
import { inGroupScope, isActive, isExempt, standing } from './rules';
import { DECISION_ORDER, type Decision, type DecisionInput, type DecisionKind, type DeviceContext, type Policy, type Reason, type ReasonCode } from './types';

const HOUR_MS = 3_600_000;

/** Factor kinds in the order they are offered for a challenge: strongest first, the way back in last. */
const FACTOR_ORDER: readonly FactorKind[] = ['passkey', 'totp', 'email', 'recovery_codes'];

/** What one policy says about this request. */
interface PolicyVerdict {
  policy: Policy;
  decision: DecisionKind;
  reasons: Reason[];
  exempt: boolean;
  /** The enrolment deadline, for a policy the member does not comply with yet (in grace or past it). */
  deadline: Date | null;
  /** A compliant member must answer a challenge for this policy. */
  challenge: boolean;
  /** Libraries refused because of a `restrict` policy past its deadline. */
  restricted: string[] | 'all' | null;
  /** The member does not comply yet and this policy accepts only passkeys. */
  passkeyNeeded: boolean;
}

function rank(kind: DecisionKind): number {
  return DECISION_ORDER.indexOf(kind);
}

function byId(a: Policy, b: Policy): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Library scope. A policy with no libraries guards sign-in and applies everywhere (at login and at every
 * library access); a policy with libraries guards only those libraries, so it is asked only when one of
 * them is opened — never at login.
 */
function inLibraryScope(policy: Policy, action: 'login' | 'access', libraryId: string | null): boolean {
  if (policy.libraries.length === 0) return true;
  return action === 'access' && libraryId !== null && policy.libraries.includes(libraryId);
}

/**
 * Whether this device counts as verified for a policy the member complies with.
 * - No re-verification interval (`reverifyAfterHours` null): the device is trusted (a remembered or paired
 *   device, checked by the caller), or a second factor was verified on it (`verifiedAt` set, e.g. the
 *   completed challenge of this session, passed with access checks).
 * - With an interval of H hours: a second factor was verified on this device less than H hours ago,
 *   whatever `trusted` says — a trusted device last verified longer ago is asked again, and one verified
 *   minutes ago by this session's challenge is not. At exactly H hours it is asked again. A `verifiedAt`
 *   in the future (clock skew between instances) counts as just now.
 * - A valid app password counts under a policy that allows app passwords (`allowAppPasswords`), and only there.
 */
function deviceVerified(policy: Pick<Policy, 'reverifyAfterHours' | 'allowAppPasswords'>, device: DeviceContext, now: Date): boolean {
  if (device.appPassword === true && policy.allowAppPasswords) return true;
  if (policy.reverifyAfterHours === null) return device.trusted || device.verifiedAt !== null;
  if (device.verifiedAt === null) return false;
  const age = Math.max(0, now.getTime() - device.verifiedAt.getTime());
  return age < policy.reverifyAfterHours * HOUR_MS;
}

function reason(code: ReasonCode, policyId: string | null, deadline: Date | null = null, passkey = false): Reason {
  return { code, policyId, message: reasonMessage(code, deadline, passkey) };
}

function verdict(policy: Policy, activatedAt: Date, input: DecisionInput): PolicyVerdict {
  const { member, now, client, device, action } = input;
  const base = { policy, exempt: false, deadline: null, challenge: false, restricted: null, passkeyNeeded: false };
  if (isExempt(policy, member, now)) return { ...base, decision: 'allow', exempt: true, reasons: [reason('exempt', policy.id)] };
  // LAN bypass only for an address the caller vouches for (the socket peer or a trusted proxy chain).
  if (client.ipTrusted === true && client.ip !== null && ipInCidrs(client.ip, policy.bypassCidrs)) {
    return { ...base, decision: 'allow', reasons: [reason('lan_bypass', policy.id)] };
  }
  const s = standing(policy, activatedAt, member, now);
  if (s.status === 'compliant') {
    return deviceVerified(policy, device, now)
      ? { ...base, decision: 'allow', reasons: [reason('compliant_trusted_device', policy.id)] }
      : { ...base, decision: 'challenge', challenge: true, reasons: [reason('compliant_needs_verification', policy.id)] };
  }
  const passkey = policy.accepted === 'phishing_resistant';
  const extra = s.needsPasskey ? [reason('needs_phishing_resistant', policy.id)] : [];
  const pending = { ...base, deadline: s.deadline, passkeyNeeded: passkey };
  if (s.status === 'in_grace') return { ...pending, decision: 'allow_in_grace', reasons: [reason('in_grace', policy.id, s.deadline, passkey), ...extra] };
  if (policy.enforcement === 'block') return { ...pending, decision: 'enrol_required', reasons: [reason('past_deadline', policy.id, s.deadline, passkey), ...extra] };
  // `restrict`: sign-in goes ahead; the guarded libraries (all of them for a policy without libraries) are refused.
  const restricted = policy.libraries.length === 0 ? 'all' : [...policy.libraries];
  return {
    ...pending,
    decision: action === 'login' ? 'allow' : 'enrol_required',
    restricted,
    reasons: [reason('restricted_library', policy.id, s.deadline, passkey), ...extra],
  };
}

/**
 * The factor kinds that can answer the challenge: those the member holds that satisfy every policy
 * asking for one (so only a passkey under a phishing-resistant policy, no e-mail unless all of them
 * accept it), plus recovery codes when held and no policy insists on a passkey — a lost phone must
 * not lock anyone out, even though recovery codes never make a member compliant.
 */
function acceptedFactors(factors: FactorKind[], policies: Policy[]): FactorKind[] {
  const held = new Set(factors);
  const out = FACTOR_ORDER.filter((k) => k !== 'recovery_codes' && held.has(k) && policies.every((p) => complies([k], p)));
  if (held.has('recovery_codes') && policies.every((p) => p.accepted !== 'phishing_resistant')) out.push('recovery_codes');
  return out;
}

function unionLibraries(verdicts: PolicyVerdict[]): string[] | 'all' {
  const out: string[] = [];
  for (const v of verdicts) {
    if (v.restricted === 'all') return 'all';
    for (const id of v.restricted ?? []) if (!out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * Decides a login or a library access.
 *
 * 1. A removed member is denied.
 * 2. The policies that apply: enabled and activated once, the member in their group scope, and in library
 *    scope (see `inLibraryScope`). None → `allow` (`no_policy`).
 * 3. Each applicable policy gives its own verdict: exempt (valid exemption for it or for all) → allow;
 *    LAN bypass (trusted client address in its `bypassCidrs`) → allow; compliant → allow on a verified
 *    device, else challenge; not compliant → `allow_in_grace` before the deadline, after it
 *    `enrol_required` (`block`) or, for `restrict`, sign-in allowed with the guarded libraries refused.
 * 4. The strictest verdict wins; every verdict's reasons are kept. Policies are considered in id order,
 *    so the answer does not depend on the order they are passed in.
 */
export function decide(input: DecisionInput): Decision {
  const { member, action } = input;
  if (member.removed) return finish(input, 'deny', [reason('member_removed', null)], []);

  const applicable = input.policies.filter((p) => isActive(p) && inGroupScope(p, member) && inLibraryScope(p, action, input.libraryId)).sort(byId);
  const verdicts: PolicyVerdict[] = [];
  for (const p of applicable) if (p.firstActivatedAt !== null) verdicts.push(verdict(p, p.firstActivatedAt, input));
  if (verdicts.length === 0) return finish(input, 'allow', [reason('no_policy', null)], []);

  const reasons = verdicts.flatMap((v) => v.reasons);
  const live = verdicts.filter((v) => !v.exempt);
  if (live.length === 0) return finish(input, 'allow', reasons, []);
  let decision: DecisionKind = 'allow';
  for (const v of live) if (rank(v.decision) > rank(decision)) decision = v.decision;
  return finish(input, decision, reasons, live);
}

function finish(input: DecisionInput, decision: DecisionKind, reasons: Reason[], live: PolicyVerdict[]): Decision {
  let deadline: Date | null = null;
  for (const v of live) if (v.deadline && (deadline === null || v.deadline.getTime() < deadline.getTime())) deadline = v.deadline;
  const daysLeft = deadline ? daysUntil(deadline, input.now) : null;
  const accepted =
    decision === 'challenge'
      ? acceptedFactors(
          input.member.factors,
          live.filter((v) => v.challenge).map((v) => v.policy),
        )
      : [];
  const restrictedLibraries = unionLibraries(live);
  const explanation = explain({
    action: input.action,
    decision,
    codes: new Set(reasons.map((r) => r.code)),
    deadline,
    daysLeft,
    acceptedFactors: accepted,
    restrictedLibraries,
    passkeyNeeded: live.some((v) => v.passkeyNeeded),
  });
  return {
    decision,
    reasons,
    explanation,
    deadline,
    daysLeft,
    acceptedFactors: accepted,
    policyIds: live.map((v) => v.policy.id),
    restrictedLibraries,
  };
}
