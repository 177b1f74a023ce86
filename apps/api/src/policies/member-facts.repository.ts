import { Injectable } from '@nestjs/common';
import type { FactorKind, MemberFacts, Policy } from '@latchkey/policy-engine';
import { Db } from '../database/db';
import { chunks } from '../directory/directory.repository';
import { POLICIES, PolicyRow, policyFromRow } from './policy-rows';
import { allFacts, groupBy, type LiveMember } from './all-facts';

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

  /** Policies that are not deleted, as the engine takes them. */
  async livePolicies(): Promise<Policy[]> {
    return (await this.db.raw<PolicyRow>(this.db.manager, POLICIES)).map(policyFromRow);
  }

  /** Facts of a page of members (set-based: three queries for up to 500 members). */
  async factsOfMany(members: { id: string; firstSeenAt: Date; removedAt: Date | null }[], now: Date): Promise<Map<string, MemberFacts>> {
    const out = new Map<string, MemberFacts>();
    for (const chunk of chunks(members, 500)) {
      const ids = chunk.map((x) => x.id);
      const list = ids.map(() => '?').join(', ');
      const m = this.db.manager;
      const [groups, factors, exemptions] = await Promise.all([
        this.db.raw<{ member_id: string; group_id: string }>(m, `SELECT member_id, group_id FROM member_groups WHERE member_id IN (${list})`, ids),
        this.db.raw<{ member_id: string; kind: FactorKind }>(m, `SELECT DISTINCT member_id, kind FROM factors WHERE status = 'active' AND member_id IN (${list})`, ids),
        this.db.raw<ExemptionRow & { member_id: string }>(m, `SELECT id, member_id, policy_id, reason, expires_at FROM exemptions WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND member_id IN (${list})`, [now.getTime(), ...ids]),
      ]);
      const g = groupBy(groups);
      const f = groupBy(factors);
      const e = groupBy(exemptions);
      for (const member of chunk) out.set(member.id, toFacts(member, g.get(member.id) ?? [], f.get(member.id) ?? [], e.get(member.id) ?? []));
    }
    return out;
  }

  /** Every live member's facts, for previews (set-based: four queries whatever the member count). */
  allFacts(now: Date): Promise<LiveMember[]> {
    return allFacts((sql, params) => this.db.raw(this.db.manager, sql, params), now);
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
