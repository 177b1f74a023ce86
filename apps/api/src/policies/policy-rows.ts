import type { Policy as EnginePolicy } from '@latchkey/policy-engine';

/** Live (not deleted) policies as the policy engine takes them, read raw: every decision reads them. */
export const POLICIES =
  'SELECT id, name, enabled, groups, libraries, grace_period_days, accepted, allow_email, enforcement, allow_app_passwords, reverify_after_hours, bypass_cidrs, first_activated_at FROM policies WHERE deleted_at IS NULL';

export interface PolicyRow {
  id: string;
  name: string;
  enabled: number | boolean;
  groups: string;
  libraries: string;
  grace_period_days: number;
  accepted: 'any' | 'phishing_resistant';
  allow_email: number | boolean;
  enforcement: 'block' | 'restrict';
  allow_app_passwords: number | boolean;
  reverify_after_hours: number | null;
  bypass_cidrs: string;
  first_activated_at: string | number | null;
}

export function policyFromRow(r: PolicyRow): EnginePolicy {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === true || r.enabled === 1,
    groups: JSON.parse(r.groups) as string[],
    libraries: JSON.parse(r.libraries) as string[],
    gracePeriodDays: r.grace_period_days,
    accepted: r.accepted,
    allowEmail: r.allow_email === true || r.allow_email === 1,
    enforcement: r.enforcement,
    allowAppPasswords: r.allow_app_passwords === true || r.allow_app_passwords === 1,
    reverifyAfterHours: r.reverify_after_hours,
    bypassCidrs: JSON.parse(r.bypass_cidrs) as string[],
    firstActivatedAt: r.first_activated_at === null ? null : new Date(Number(r.first_activated_at)),
  };
}
