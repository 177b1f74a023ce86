import { FACTOR_KINDS, MEMBER_STATUSES, type FactorKind, type MemberPolicyStanding, type MemberStatus } from '../../core/api-types';

const STATUS_LABELS = new Map<string, string>([...MEMBER_STATUSES.map((s) => [s.value, s.label] as const), ['not_in_scope', 'Not in scope']]);
const FACTOR_LABELS = new Map<string, string>(FACTOR_KINDS.map((k) => [k.value, k.label]));

export function statusLabel(status: MemberStatus | MemberPolicyStanding['status']): string {
  return STATUS_LABELS.get(status) ?? status;
}

/** The badge colour of a status: green for compliant, red for overdue, amber in grace, grey otherwise. */
export function statusClass(status: MemberStatus | MemberPolicyStanding['status']): string {
  return { compliant: 'badge-ok', overdue: 'badge-off', in_grace: 'badge-warn' }[status as string] ?? '';
}

export function factorLabel(kind: FactorKind): string {
  return FACTOR_LABELS.get(kind) ?? kind;
}
