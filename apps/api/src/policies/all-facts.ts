import type { FactorKind, MemberFacts } from '@latchkey/policy-engine';

/**
 * Runs one read (`?` placeholders) and resolves its rows: `Db.raw` on the service's connection, or the
 * dashboard worker's own connection. Lets the queries below run on either without Nest or TypeORM.
 */
export type ReadQuery = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

export interface LiveMember {
  facts: MemberFacts;
  username: string;
}

/** Every live member's facts, for previews (set-based: four queries whatever the member count). */
export async function allFacts(query: ReadQuery, now: Date): Promise<LiveMember[]> {
  const members = await query<{ id: string; username: string; first_seen_at: string | number }>('SELECT id, username, first_seen_at FROM members WHERE removed_at IS NULL');
  const groups = await query<{ member_id: string; group_id: string }>('SELECT mg.member_id, mg.group_id FROM member_groups mg JOIN members mb ON mb.id = mg.member_id WHERE mb.removed_at IS NULL');
  const factors = await query<{ member_id: string; kind: FactorKind }>("SELECT DISTINCT member_id, kind FROM factors WHERE member_id IS NOT NULL AND status = 'active'");
  const exemptions = await query<{ id: string; member_id: string; policy_id: string | null; reason: string; expires_at: string | number | null }>(
    'SELECT id, member_id, policy_id, reason, expires_at FROM exemptions WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
    [now.getTime()],
  );
  const g = groupBy(groups);
  const f = groupBy(factors);
  const e = groupBy(exemptions);
  return members.map((row) => ({
    username: row.username,
    facts: {
      id: row.id,
      groups: (g.get(row.id) ?? []).map((x) => x.group_id),
      firstSeenAt: new Date(Number(row.first_seen_at)),
      factors: (f.get(row.id) ?? []).map((x) => x.kind),
      exemptions: (e.get(row.id) ?? []).map((x) => ({ id: x.id, policyId: x.policy_id, reason: x.reason, expiresAt: x.expires_at === null ? null : new Date(Number(x.expires_at)) })),
      removed: false,
    },
  }));
}

export function groupBy<T extends { member_id: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const list = map.get(r.member_id);
    if (list) list.push(r);
    else map.set(r.member_id, [r]);
  }
  return map;
}
