import type { MemberStatus } from '@latchkey/contracts';
import { DAY_MS, type FactorKind, type Policy } from '@latchkey/policy-engine';

/** A piece of SQL with its `?` parameters, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

export const sql = (text: string, ...params: unknown[]): Sql => ({ sql: text, params });
const TRUE = sql('1 = 1');
const FALSE = sql('1 = 0');
const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');

function join(op: 'AND' | 'OR', parts: Sql[]): Sql {
  if (parts.length === 0) return op === 'AND' ? TRUE : FALSE;
  if (parts.length === 1) return parts[0] as Sql;
  return { sql: `(${parts.map((p) => p.sql).join(` ${op} `)})`, params: parts.flatMap((p) => p.params) };
}
/** All of the conditions (`1 = 1` for none). */
export const allOf = (...parts: Sql[]) => join('AND', parts);
const and = allOf;
const or = (parts: Sql[]) => join('OR', parts);
const not = (p: Sql): Sql => ({ sql: `NOT (${p.sql})`, params: p.params });

/** Bits of `members.factor_mask` (kept by database triggers on `factors`, see the console migration). */
export const FACTOR_BITS: Record<FactorKind, number> = { totp: 1, email: 2, passkey: 4, recovery_codes: 8 };

/** The factor kinds that make a member compliant with a policy (the engine's `complies`, as a list). */
export function acceptedKinds(policy: Pick<Policy, 'accepted' | 'allowEmail'>): FactorKind[] {
  if (policy.accepted === 'phishing_resistant') return ['passkey'];
  return policy.allowEmail ? ['passkey', 'totp', 'email'] : ['passkey', 'totp'];
}

const maskOf = (kinds: FactorKind[]) => kinds.reduce((bits, k) => bits | FACTOR_BITS[k], 0);

/** The per-policy predicates on a member row aliased `m`, mirroring libs/policy-engine's rules. */
function predicates(p: Policy, now: Date) {
  const scope = p.groups.length ? sql(`EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = m.id AND mg.group_id IN (${list(p.groups.length)}))`, ...p.groups) : TRUE;
  const exempt = sql(
    'EXISTS (SELECT 1 FROM exemptions e WHERE e.member_id = m.id AND e.revoked_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > ?) AND (e.policy_id IS NULL OR e.policy_id = ?))',
    now.getTime(),
    p.id,
  );
  const complies = sql(`(m.factor_mask & ${maskOf(acceptedKinds(p))}) <> 0`);
  // Deadline = max(activated, first seen) + grace; past it when both terms are: the policy's is a constant.
  const grace = p.gracePeriodDays * DAY_MS;
  const activated = p.firstActivatedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const late = activated + grace > now.getTime() ? FALSE : sql('m.first_seen_at <= ?', now.getTime() - grace);
  const live = and(scope, not(exempt));
  const due = and(live, not(complies));
  return { scope, live, due, overdue: and(due, late), inGrace: and(due, not(late)), compliant: and(live, complies) };
}

/**
 * The SQL condition for "this member's overall status is `status`" against the given active policies
 * (already narrowed with the engine's `policiesFor`), the strictest verdict winning exactly as
 * `memberStatus` does. A test checks the two agree on generated directories.
 */
export function statusCondition(status: MemberStatus, policies: Policy[], now: Date): Sql {
  const ps = policies.map((p) => predicates(p, now));
  const anyOverdue = or(ps.map((p) => p.overdue));
  const anyDue = or(ps.map((p) => p.due));
  switch (status) {
    case 'overdue':
      return anyOverdue;
    case 'in_grace':
      return and(or(ps.map((p) => p.inGrace)), not(anyOverdue));
    case 'compliant':
      return and(or(ps.map((p) => p.compliant)), not(anyDue));
    case 'exempt':
      return and(or(ps.map((p) => p.scope)), not(or(ps.map((p) => p.live))));
    case 'not_required':
      return not(or(ps.map((p) => p.scope)));
  }
}

/** Members holding an active factor of this kind, or (`none`) no active factor at all. */
export function factorCondition(factor: FactorKind | 'none'): Sql {
  return factor === 'none' ? sql('m.factor_mask = 0') : sql(`(m.factor_mask & ${FACTOR_BITS[factor]}) <> 0`);
}

