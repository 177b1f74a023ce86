import { Injectable } from '@nestjs/common';
import type { BulkExemptRequest, BulkResult, Member, MemberDetail, MemberList, MemberListItem, MemberListQuery, MemberSort, MfaReset } from '@latchkey/contracts';
import { memberStatus, policiesFor, type FactorKind, type MemberFacts } from '@latchkey/policy-engine';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso } from '../common/ids';
import { DevicesService } from '../devices/devices.service';
import { FactorsService } from '../factors/factors.service';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { PoliciesService } from '../policies/policies.service';
import { Keyset, MemberRow, MembersRepository } from './members.repository';
import { factorCondition, sql, statusCondition, type Sql } from './status-filter';

/**
 * The console's view of members: the table (search, filters, sort, keyset paging that stays fast at
 * 100,000 members), one member's page, and the owner's actions on members (reset MFA, and bulk exempt,
 * sign out, reset). Standing is the policy engine's `memberStatus`; the table filters by it in SQL
 * (`statusCondition`) so a page never loads the whole directory.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly repo: MembersRepository,
    private readonly facts: MemberFactsRepository,
    private readonly policies: PoliciesService,
    private readonly factors: FactorsService,
    private readonly devices: DevicesService,
    private readonly clock: Clock,
  ) {}

  async list(q: MemberListQuery): Promise<MemberList> {
    const now = this.clock.now();
    const after = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
    const libraryId = q.libraryId ?? null;
    const conditions: Sql[] = [];
    if (libraryId) {
      const [library] = await this.repo.libraryServer(libraryId);
      if (!library) throw AppException.validation([{ path: 'query.libraryId', message: 'is not a library of any server' }]);
      conditions.push(sql('m.server_id = ?', library.server_id));
    }
    if (q.serverId) conditions.push(sql('m.server_id = ?', q.serverId));
    if (q.includeRemoved !== 'true') conditions.push(sql('m.removed_at IS NULL'));
    if (q.q) conditions.push(this.repo.searchCondition(q.q));
    if (q.groupId) conditions.push(sql('EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = m.id AND mg.group_id = ?)', q.groupId));
    if (q.factor) conditions.push(factorCondition(q.factor));
    const policies = policiesFor(await this.facts.livePolicies(), libraryId);
    if (q.status) conditions.push(statusCondition(q.status, policies, now));

    const rows = await this.repo.page(conditions, q.sort, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const [facts, groups] = await Promise.all([this.facts.factsOfMany(page.map(refOf), now), this.repo.groupsOf(page.map((r) => r.id))]);
    const groupIds = new Map<string, string[]>();
    for (const g of groups) groupIds.set(g.member_id, [...(groupIds.get(g.member_id) ?? []), g.external_id]);
    const items: MemberListItem[] = page.map((r) => {
      const f = facts.get(r.id) as MemberFacts;
      const s = memberStatus(policies, f, now, libraryId);
      return { ...toMember(r, groupIds.get(r.id) ?? []), status: s.status, deadline: s.deadline ? iso(s.deadline) : null, factors: FACTOR_ORDER.filter((k) => f.factors.includes(k)) };
    });
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(q.sort, this.repo.keyOf(last, q.sort)) : null };
  }

  async detail(id: string): Promise<MemberDetail> {
    const row = await this.repo.find(id);
    if (!row) throw AppException.notFound('member_not_found');
    const now = this.clock.now();
    const [facts, groups, all, factors, exemptions] = await Promise.all([
      this.facts.factsOfMany([refOf(row)], now),
      this.repo.groupsOf([id]),
      this.facts.livePolicies(),
      this.factors.list({ kind: 'member', id }),
      this.policies.listExemptions(id),
    ]);
    const s = memberStatus(all, facts.get(id) as MemberFacts, now);
    const names = new Map(all.map((p) => [p.id, p]));
    return {
      member: toMember(row, groups.map((g) => g.external_id)),
      serverName: row.server_name,
      groups: groups.map((g) => ({ id: g.id, externalId: g.external_id, name: g.name })),
      status: s.status,
      deadline: s.deadline ? iso(s.deadline) : null,
      policies: s.policies.map((p) => ({ policyId: p.policyId, name: names.get(p.policyId)?.name ?? '', libraries: names.get(p.policyId)?.libraries ?? [], status: p.status, deadline: p.deadline ? iso(p.deadline) : null })),
      factors,
      exemptions,
      emergency: row.emergency_at !== null,
    };
  }

  async resetMfa(id: string, adminId: string, ip: string | null): Promise<MfaReset> {
    if (!(await this.repo.existing([id])).has(id)) throw AppException.notFound('member_not_found');
    return this.factors.resetMember(id, adminId, ip);
  }

  async bulkExempt(input: BulkExemptRequest, adminId: string): Promise<BulkResult> {
    const { found, notFound } = await this.split(input.memberIds);
    if (found.length) await this.policies.createExemptions(found, input, adminId);
    return { done: found.length, notFound };
  }

  async bulkSignOut(memberIds: string[], adminId: string, ip: string | null): Promise<BulkResult> {
    const { found, notFound } = await this.split(memberIds);
    for (const id of found) await this.devices.signOutEverywhere(id, { adminId }, { ip });
    return { done: found.length, notFound };
  }

  async bulkResetMfa(memberIds: string[], adminId: string, ip: string | null): Promise<BulkResult> {
    const { found, notFound } = await this.split(memberIds);
    for (const id of found) await this.factors.resetMember(id, adminId, ip);
    return { done: found.length, notFound };
  }

  private async split(ids: string[]): Promise<{ found: string[]; notFound: string[] }> {
    const unique = [...new Set(ids)];
    const existing = await this.repo.existing(unique);
    return { found: unique.filter((id) => existing.has(id)), notFound: unique.filter((id) => !existing.has(id)) };
  }
}

/** Strongest first, the way back in last (as the console lists them). */
const FACTOR_ORDER: FactorKind[] = ['passkey', 'totp', 'email', 'recovery_codes'];

function refOf(r: MemberRow) {
  return { id: r.id, firstSeenAt: new Date(Number(r.first_seen_at)), removedAt: r.removed_at === null ? null : new Date(Number(r.removed_at)) };
}

function toMember(r: MemberRow, groups: string[]): Member {
  return {
    id: r.id,
    serverId: r.server_id,
    externalId: r.external_id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    groups,
    firstSeenAt: iso(new Date(Number(r.first_seen_at))),
    removedAt: r.removed_at === null ? null : iso(new Date(Number(r.removed_at))),
  };
}

/** A cursor names its sort, so a page of one order is never continued in another. */
function encodeCursor(sort: MemberSort, key: Keyset): string {
  return Buffer.from(JSON.stringify({ s: sort, k: key })).toString('base64url');
}

function decodeCursor(cursor: string, sort: MemberSort): Keyset {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    const k = v.k;
    const numeric = sort === 'firstSeenAt' || sort === '-firstSeenAt';
    if (v.s === sort && Array.isArray(k) && k.length === 2 && typeof k[1] === 'string' && (numeric ? Number.isSafeInteger(k[0]) : typeof k[0] === 'string')) return [k[0] as string | number, k[1]];
  } catch {
    // fall through
  }
  throw AppException.validation([{ path: 'query.cursor', message: 'is not a cursor this API returned for this sort' }]);
}
