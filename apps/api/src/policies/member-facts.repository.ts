import { Injectable } from '@nestjs/common';
import type { FactorKind, MemberFacts } from '@latchkey/policy-engine';
import { Db } from '../database/db';
import { chunks } from '../directory/directory.repository';

interface MemberRow {
  id: string;
  username: string;
  first_seen_at: string | number;
  removed_at: string | number | null;
}

/** Reads what the policy engine needs about members, with a handful of indexed queries. */
@Injectable()
export class MemberFactsRepository {
  constructor(private readonly db: Db) {}

  /** One member's facts: groups, active factor kinds, live exemptions. */
  async factsFor(member: { id: string; firstSeenAt: Date; removedAt: Date | null }, now: Date): Promise<MemberFacts> {
    const m = this.db.manager;
    const [groups, factors, exemptions] = await Promise.all([
      this.db.raw<{ group_id: string }>(m, GROUPS_OF, [member.id]),
      this.db.raw<{ kind: FactorKind }>(m, FACTORS_OF, [member.id]),
      this.db.raw<ExemptionRow>(m, EXEMPTIONS_OF, [member.id, now.getTime()]),
    ]);
    return toFacts(member, groups, factors, exemptions);
  }

  /** The same, synchronously on SQLite (the login hot path); null on PostgreSQL. */
  factsNow(member: { id: string; firstSeenAt: Date; removedAt: Date | null }, now: Date): MemberFacts | null {
    const sync = this.db.sync;
    if (!sync) return null;
    return toFacts(member, sync.all(GROUPS_OF, [member.id]), sync.all(FACTORS_OF, [member.id]), sync.all(EXEMPTIONS_OF, [member.id, now.getTime()]));
  }

  /** Every live member's facts, for previews (set-based: four queries whatever the member count). */
  async allFacts(now: Date): Promise<{ facts: MemberFacts; username: string }[]> {
    const m = this.db.manager;
    const members = await this.db.raw<MemberRow>(m, 'SELECT id, username, first_seen_at, removed_at FROM members WHERE removed_at IS NULL');
    const groups = await this.db.raw<{ member_id: string; group_id: string }>(m, 'SELECT mg.member_id, mg.group_id FROM member_groups mg JOIN members mb ON mb.id = mg.member_id WHERE mb.removed_at IS NULL');
    const factors = await this.db.raw<{ member_id: string; kind: FactorKind }>(m, "SELECT DISTINCT member_id, kind FROM factors WHERE member_id IS NOT NULL AND status = 'active'");
    const exemptions = await this.db.raw<{ id: string; member_id: string; policy_id: string | null; reason: string; expires_at: string | number | null }>(
      m,
      'SELECT id, member_id, policy_id, reason, expires_at FROM exemptions WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
      [now.getTime()],
    );
    const by = <T extends { member_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const r of rows) map.set(r.member_id, [...(map.get(r.member_id) ?? []), r]);
      return map;
    };
    const g = by(groups);
    const f = by(factors);
    const e = by(exemptions);
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

  /** Clients each member signed in from since `since` (from the decisions log), for the preview's dry run. */
  async recentClients(memberIds: string[], since: Date): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const chunk of chunks(memberIds, 500)) {
      if (!chunk.length) continue;
      const rows = await this.db.raw<{ member_id: string; details: string | null }>(
        this.db.manager,
        `SELECT member_id, details FROM audit_events WHERE type = 'login.decision' AND at >= ? AND member_id IN (${chunk.map(() => '?').join(', ')})`,
        [since.getTime(), ...chunk],
      );
      for (const r of rows) {
        const client = (JSON.parse(r.details ?? '{}') as { client?: string }).client;
        if (!client) continue;
        const list = out.get(r.member_id) ?? [];
        if (!list.includes(client)) list.push(client);
        out.set(r.member_id, list);
      }
    }
    return out;
  }

  async knownScopeIds(groups: string[], libraries: string[]): Promise<{ groups: Set<string>; libraries: Set<string> }> {
    const find = async (table: string, ids: string[]) =>
      ids.length ? new Set((await this.db.raw<{ id: string }>(this.db.manager, `SELECT id FROM ${table} WHERE id IN (${ids.map(() => '?').join(', ')})`, ids)).map((r) => r.id)) : new Set<string>();
    return { groups: await find('directory_groups', groups), libraries: await find('directory_libraries', libraries) };
  }
}

const GROUPS_OF = 'SELECT group_id FROM member_groups WHERE member_id = ?';
const FACTORS_OF = "SELECT DISTINCT kind FROM factors WHERE member_id = ? AND status = 'active'";
const EXEMPTIONS_OF = 'SELECT id, policy_id, reason, expires_at FROM exemptions WHERE member_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)';

interface ExemptionRow {
  id: string;
  policy_id: string | null;
  reason: string;
  expires_at: string | number | null;
}

function toFacts(
  member: { id: string; firstSeenAt: Date; removedAt: Date | null },
  groups: { group_id: string }[],
  factors: { kind: FactorKind }[],
  exemptions: ExemptionRow[],
): MemberFacts {
  return {
    id: member.id,
    groups: groups.map((g) => g.group_id),
    firstSeenAt: member.firstSeenAt,
    factors: factors.map((f) => f.kind),
    exemptions: exemptions.map((e) => ({ id: e.id, policyId: e.policy_id, reason: e.reason, expiresAt: e.expires_at === null ? null : new Date(Number(e.expires_at)) })),
    removed: member.removedAt !== null,
  };
}
