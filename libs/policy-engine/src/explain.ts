/**
 * The words of a decision, for the member who meets it. Rules for every sentence here:
 * - the requirement comes from *the owner of this media server* (never the media-server software or
 *   its vendor, which offer nothing of the kind);
 * - no policy names, exemption reasons or other admin-written text (they are labels for the owner, and
 *   may say things the member should not read);
 * - deterministic: dates are formatted by hand in UTC as `D Month YYYY`, no locale APIs.
 */
import { DAY_MS, type FactorKind } from './factors';
import type { DecisionKind, ReasonCode } from './types';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `3 March 2026` (UTC). */
export function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()}`;
}

/**
 * The last calendar day (UTC) on which a member can still enrol in time: the day of the last millisecond
 * before the deadline. A deadline at exactly midnight is "by" the day before, not the day it starts.
 */
export function formatLastDay(deadline: Date): string {
  return formatDate(new Date(deadline.getTime() - 1));
}

/** Whole days left, rounded up; null when the deadline is not in the future. */
export function daysUntil(deadline: Date, now: Date): number | null {
  const ms = deadline.getTime() - now.getTime();
  return ms > 0 ? Math.ceil(ms / DAY_MS) : null;
}

const FACTOR_WORDS: Record<FactorKind, string> = {
  passkey: 'a passkey',
  totp: 'your authenticator app',
  email: 'a code sent by e-mail',
  recovery_codes: 'a recovery code',
};

function list(words: string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function daysText(days: number): string {
  return `${days} day${days === 1 ? '' : 's'} left`;
}

const OWNER = 'the owner of this media server';
const Owner = 'The owner of this media server';

/** The short human text of one reason (the `Reason.message`). */
export function reasonMessage(code: ReasonCode, deadline: Date | null, passkey: boolean): string {
  const what = passkey ? 'two-step verification with a passkey' : 'two-step verification';
  switch (code) {
    case 'no_policy':
      return `${Owner} does not require two-step verification here.`;
    case 'exempt':
      return `${Owner} has excused you from this requirement.`;
    case 'lan_bypass':
      return `You are connecting from a network ${OWNER} trusts, where no second step is needed.`;
    case 'member_removed':
      return 'This account is no longer a member of this media server.';
    case 'compliant_trusted_device':
      return 'Two-step verification is set up and this device has been verified recently enough.';
    case 'compliant_needs_verification':
      return 'Two-step verification is set up; confirm it is you with a second step.';
    case 'in_grace':
      return deadline ? `${Owner} requires ${what}; set it up by ${formatLastDay(deadline)}.` : `${Owner} requires ${what}.`;
    case 'past_deadline':
      return deadline ? `${Owner} requires ${what}; the deadline to set it up passed on ${formatDate(deadline)}.` : `${Owner} requires ${what}.`;
    case 'restricted_library':
      return `${Owner} keeps some libraries closed until you set up ${what}.`;
    case 'needs_phishing_resistant':
      return 'Only a passkey counts for this requirement; an authenticator app or e-mail codes are not enough.';
  }
}

export interface ExplainInput {
  action: 'login' | 'access';
  decision: DecisionKind;
  codes: ReadonlySet<ReasonCode>;
  /** Earliest deadline among the policies the member does not comply with yet (in grace or past). */
  deadline: Date | null;
  /** Days left until `deadline` when it is still ahead, else null. */
  daysLeft: number | null;
  acceptedFactors: FactorKind[];
  restrictedLibraries: string[] | 'all';
  /** Some policy the member does not comply with yet accepts only passkeys. */
  passkeyNeeded: boolean;
}

/** One to three sentences: what happens, and that the server's owner asks for it. */
export function explain(x: ExplainInput): string {
  const go = x.action === 'login' ? 'sign in' : 'open this library';
  const proceed = `you can ${go}`;
  const what = x.passkeyNeeded ? 'two-step verification with a passkey' : 'two-step verification';
  const setUp = x.passkeyNeeded ? 'add a passkey' : 'set it up';
  const passed = x.deadline ? `, and the deadline to set it up passed on ${formatDate(x.deadline)}` : '';
  const by = x.deadline ? ` by ${formatLastDay(x.deadline)}${x.daysLeft !== null ? ` (${daysText(x.daysLeft)})` : ''}` : '';
  const restricted = x.restrictedLibraries === 'all' || x.restrictedLibraries.length > 0;
  const which = x.restrictedLibraries === 'all' ? 'any library' : x.restrictedLibraries.length === 1 ? 'one of the libraries' : 'some of the libraries';
  const restrictedText = `${Owner} requires ${what}${passed}. You can still sign in, but you cannot open ${which} until you ${setUp}.`;
  switch (x.decision) {
    case 'deny':
      return `This account is no longer a member of this media server, so it cannot ${go} here. Ask ${OWNER} if you think this is a mistake.`;
    case 'enrol_required':
      if (x.action === 'access' && x.codes.has('restricted_library') && !x.codes.has('past_deadline')) {
        return `${Owner} requires ${what} to open this library${passed}. ${capital(setUp)} to open it.`;
      }
      return `${Owner} requires ${what}${passed}. ${capital(setUp)} to ${go} again.`;
    case 'challenge': {
      const how = x.acceptedFactors.length ? ` with ${list(x.acceptedFactors.map((k) => FACTOR_WORDS[k]))}` : '';
      const first = `${Owner} requires two-step verification. Confirm it is you${how} to ${go}.`;
      if (restricted) return `${first} Even then, you cannot open ${which} until you ${setUp}: the deadline passed${x.deadline ? ` on ${formatDate(x.deadline)}` : ''}.`;
      if (x.daysLeft !== null) return `${first} You also need to ${x.passkeyNeeded ? 'add a passkey' : 'finish setting up two-step verification'}${by}.`;
      return first;
    }
    case 'allow_in_grace':
      if (restricted) return restrictedText;
      return `${Owner} requires ${what}. ${capital(setUp)}${by}; until then ${proceed} as usual.`;
    case 'allow':
      if (restricted) return restrictedText;
      if (x.codes.has('compliant_trusted_device')) return `${Owner} requires two-step verification, and this device has already been verified, so ${proceed}.`;
      if (x.codes.has('lan_bypass')) return `You are connecting from a network ${OWNER} trusts, so no second step is needed and ${proceed}.`;
      if (x.codes.has('exempt')) return `${Owner} has excused you from two-step verification, so ${proceed}.`;
      return `${Owner} does not require two-step verification here, so ${proceed}.`;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
