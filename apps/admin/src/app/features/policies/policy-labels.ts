import type { DirectoryEntry, Policy } from '../../core/api-types';

export type Accepted = Policy['accepted'];
export type Enforcement = Policy['enforcement'];

export const ACCEPTED_LABELS: Readonly<Record<Accepted, string>> = {
  any: 'Any second factor',
  phishing_resistant: 'Passkeys only',
};

export const ENFORCEMENT_LABELS: Readonly<Record<Enforcement, string>> = {
  block: 'Block sign-in',
  restrict: 'Block the chosen libraries',
};

function names(ids: readonly string[], known: ReadonlyMap<string, string>): string {
  return ids.map((id) => known.get(id) ?? 'Unknown').join(', ');
}

/** "Everyone", "Groups: Family, Kids", "Library: Home videos", or both parts joined. */
export function scopeSummary(
  policy: Pick<Policy, 'groups' | 'libraries'>,
  groups: ReadonlyMap<string, string>,
  libraries: ReadonlyMap<string, string>,
): string {
  const parts: string[] = [];
  if (policy.groups.length) {
    parts.push(`${policy.groups.length === 1 ? 'Group' : 'Groups'}: ${names(policy.groups, groups)}`);
  }
  if (policy.libraries.length) {
    parts.push(`${policy.libraries.length === 1 ? 'Library' : 'Libraries'}: ${names(policy.libraries, libraries)}`);
  }
  return parts.length ? parts.join(' · ') : 'Everyone';
}

/** What happens after the deadline; `restrict` without libraries guards every library. */
export function enforcementSummary(policy: Pick<Policy, 'enforcement' | 'libraries'>): string {
  if (policy.enforcement === 'restrict' && policy.libraries.length === 0) return 'Block every library (sign-in allowed)';
  return ENFORCEMENT_LABELS[policy.enforcement];
}

export function nameMap(entries: readonly DirectoryEntry[]): Map<string, string> {
  return new Map(entries.map((e) => [e.id, e.name]));
}
