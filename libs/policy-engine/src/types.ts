/**
 * The policy engine's inputs and outputs. Pure data: no I/O, no Nest, no TypeORM. Times are Dates; ids are
 * Latchkey ids (UUID strings) unless said otherwise.
 */
import type { FactorKind } from './factors';

export type DecisionKind = 'allow' | 'allow_in_grace' | 'challenge' | 'enrol_required' | 'deny';

/** Strictness order used by "strictest wins": later is stricter. */
export const DECISION_ORDER: readonly DecisionKind[] = ['allow', 'allow_in_grace', 'challenge', 'enrol_required', 'deny'];

export interface Policy {
  id: string;
  name: string;
  enabled: boolean;
  /** Empty list = all groups. A member is in scope when in at least one listed group. */
  groups: string[];
  /** Empty list = not library-specific (applies at login). Non-empty = guards only these libraries (at access). */
  libraries: string[];
  gracePeriodDays: number;
  accepted: 'any' | 'phishing_resistant';
  /** E-mail codes count as a factor for this policy. */
  allowEmail: boolean;
  /** After the deadline: `block` refuses login until enrolled; `restrict` lets login through but refuses guarded libraries. */
  enforcement: 'block' | 'restrict';
  /** A member's app password (for apps that cannot show a prompt) stands in for a challenge. */
  allowAppPasswords: boolean;
  /** Ask again after this many hours even on a device verified before; null = the device's own trust decides. */
  reverifyAfterHours: number | null;
  /** Addresses (CIDR list) from which this policy asks nothing; only for client IPs resolved through trusted proxies. */
  bypassCidrs: string[];
  /**
   * The first time the policy was ever enabled (null while it never was). Kept across disable/re-enable so a
   * re-enabled policy never hands out a fresh grace period.
   */
  firstActivatedAt: Date | null;
}

export interface Exemption {
  id: string;
  /** null = excused from every policy. */
  policyId: string | null;
  reason: string;
  /** null = no expiry. An exemption with expiresAt <= now does not count. */
  expiresAt: Date | null;
}

export interface MemberFacts {
  id: string;
  /** Group ids the member belongs to. */
  groups: string[];
  /** First time any server told Latchkey about this member; never reset. */
  firstSeenAt: Date;
  /** Kinds of active factors. */
  factors: FactorKind[];
  exemptions: Exemption[];
  /** Removed from the media server's directory. */
  removed: boolean;
}

export interface ClientContext {
  /** The client's IP, already resolved (see `resolveClientIp`); null when unknown. */
  ip: string | null;
  /** True only when `ip` came from the socket peer or from a trusted proxy chain. LAN bypass needs this. */
  ipTrusted: boolean;
}

export interface DeviceContext {
  /**
   * When this member last verified a second factor on this device (a remembered/paired device, or a
   * completed challenge of this session); null if never or unknown.
   */
  verifiedAt: Date | null;
  /** The device's trust is valid right now (remembered device token checked by the caller). */
  trusted: boolean;
  /**
   * The sign-in came with a valid app password of this member (checked by the caller). Counts as verified
   * only under policies that allow app passwords, whatever their re-verification interval.
   */
  appPassword?: boolean;
}

export interface DecisionInput {
  now: Date;
  /** `login`: the member signs in. `access`: the member opens `libraryId`. */
  action: 'login' | 'access';
  libraryId: string | null;
  member: MemberFacts;
  policies: Policy[];
  client: ClientContext;
  device: DeviceContext;
}

export type ReasonCode =
  | 'no_policy'
  | 'exempt'
  | 'lan_bypass'
  | 'member_removed'
  | 'compliant_trusted_device'
  | 'compliant_needs_verification'
  | 'in_grace'
  | 'past_deadline'
  | 'restricted_library'
  | 'needs_phishing_resistant';

export interface Reason {
  code: ReasonCode;
  /** The policy this reason comes from, if any. */
  policyId: string | null;
  /** Human text, in the product's words ("your server owner requires…"). */
  message: string;
}

export interface Decision {
  decision: DecisionKind;
  reasons: Reason[];
  /** One or two sentences for a person: what happens and why. */
  explanation: string;
  /** The earliest enrolment deadline among the policies the member does not yet comply with (grace), else null. */
  deadline: Date | null;
  /** Whole days left until `deadline` (rounded up), else null. */
  daysLeft: number | null;
  /** For `challenge`: the factor kinds that can answer it (passkey only under a phishing-resistant policy). */
  acceptedFactors: FactorKind[];
  /** Ids of the policies that applied (in scope, not exempted). */
  policyIds: string[];
  /** For a `login` allowed under a `restrict` policy past its deadline: library ids that will be refused. */
  restrictedLibraries: string[] | 'all';
}

export interface PreviewMember {
  member: MemberFacts;
}

export interface PreviewResult {
  total: number;
  compliant: number;
  inGrace: number;
  /** Members in grace by the ISO week (Monday, YYYY-MM-DD) their deadline falls in. */
  inGraceByWeek: { weekStart: string; count: number }[];
  blockedNow: number;
  exempt: number;
  notInScope: number;
  /** Member ids per category (capped by the caller if needed). */
  lists: { compliant: string[]; inGrace: string[]; blockedNow: string[]; exempt: string[] };
}
