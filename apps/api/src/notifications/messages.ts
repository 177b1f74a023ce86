import type { WebhookPayload } from '@latchkey/contracts';

/** How an event reads in an e-mail, an ntfy push or a Gotify message. */
export interface EventText {
  title: string;
  message: string;
  /** Lockouts and recovery codes may mean someone is attacking an account: they push louder. */
  urgent: boolean;
}

interface Summaries {
  member?: { username?: string; displayName?: string | null };
  admin?: { email?: string; displayName?: string };
}

export function describeEvent(p: WebhookPayload): EventText {
  const d = p.data as Record<string, unknown> & Summaries;
  const who = d.member?.displayName || d.member?.username || (d.admin ? `admin ${d.admin.displayName || d.admin.email}` : 'someone');
  const from = typeof d['ip'] === 'string' ? ` (from ${d['ip']})` : '';
  switch (p.type) {
    case 'lockout':
      return { title: `Lockout: ${who}`, message: `${who} was locked out after too many failed verifications${from}, until ${String(d['lockedUntil'])}.`, urgent: true };
    case 'recovery_code.used':
      return { title: `Recovery code used: ${who}`, message: `${who} used a recovery code to verify${from}; ${String(d['remaining'])} left.`, urgent: true };
    case 'device.paired':
      return { title: `New device paired: ${who}`, message: `A device${d['deviceName'] ? ` (${String(d['deviceName'])})` : ''} was paired to ${who}.`, urgent: false };
    case 'member.overdue':
      return { title: `Overdue: ${who}`, message: `${who} has not set up MFA; the grace period of "${String(d['policyName'])}" ended ${String(d['deadline'])}.`, urgent: false };
    case 'policy.changed':
      return { title: `Policy ${String(d['change'])}: ${String(d['policyName'])}`, message: `${d.admin ? `${d.admin.displayName || d.admin.email}` : 'An admin'} ${String(d['change'])} the policy "${String(d['policyName'])}".`, urgent: false };
    case 'test':
      return { title: 'Test notification', message: 'This is a test from Latchkey. If you can read it, this channel works.', urgent: false };
    default:
      return { title: p.type, message: JSON.stringify(p.data), urgent: false };
  }
}
