import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  DirectoryGroup,
  DirectoryLibrary,
  DirectoryEntryList,
  DirectoryMember,
  DirectorySyncResult,
  PatchDirectoryRequest,
  ReplaceDirectoryRequest,
  SyncCounts,
} from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { DirectoryRepository, EntryTable } from './directory.repository';
import { memberSearchText } from './search-text';

/** A sync that changes this many members refreshes the planner's statistics (the console's member pages rely on them). */
const STATISTICS_AFTER_CHANGES = 5_000;

interface SyncPlan {
  groups: DirectoryGroup[];
  libraries: DirectoryLibrary[];
  members: DirectoryMember[];
  /** Full sync: whatever is not listed is marked removed. */
  removeMissing: boolean;
  remove: { groups: string[]; libraries: string[]; members: string[] };
}

const zero = (): SyncCounts => ({ created: 0, updated: 0, restored: 0, removed: 0, unchanged: 0 });

/**
 * Members, groups and libraries pushed by a media server. Rows are never deleted: a member missing from
 * a full push is marked removed and keeps its history and `firstSeenAt`; if it re-appears it is restored
 * with the same `firstSeenAt`, so it never gets a fresh grace period.
 */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly db: Db,
    private readonly repo: DirectoryRepository,
    private readonly clock: Clock,
  ) {}

  replace(serverId: string, input: ReplaceDirectoryRequest): Promise<DirectorySyncResult> {
    return this.sync(serverId, { ...input, removeMissing: true, remove: { groups: [], libraries: [], members: [] } });
  }

  patch(serverId: string, input: PatchDirectoryRequest): Promise<DirectorySyncResult> {
    return this.sync(serverId, { ...input, removeMissing: false });
  }

  private async sync(serverId: string, plan: SyncPlan): Promise<DirectorySyncResult> {
    assertUnique('groups', plan.groups);
    assertUnique('libraries', plan.libraries);
    assertUnique('members', plan.members);
    const now = this.clock.now();
    const result = await this.db.write(async (m) => {
      const groups = await this.syncEntries(m, 'directory_groups', serverId, plan.groups, plan, plan.remove.groups, now.getTime());
      const libraries = await this.syncEntries(m, 'directory_libraries', serverId, plan.libraries, plan, plan.remove.libraries, now.getTime());
      const members = await this.syncMembers(m, serverId, plan, groups.live, now.getTime());
      return { groups: groups.counts, libraries: libraries.counts, members, syncedAt: now.toISOString() };
    });
    const c = result.members;
    if (c.created + c.updated + c.restored + c.removed >= STATISTICS_AFTER_CHANGES) await this.repo.refreshStatistics();
    return result;
  }

  private async syncEntries(
    m: EntityManager,
    table: EntryTable,
    serverId: string,
    incoming: { externalId: string; name: string }[],
    plan: SyncPlan,
    removeIds: string[],
    now: number,
  ): Promise<{ counts: SyncCounts; live: Map<string, string> }> {
    const counts = zero();
    const existing = new Map((await this.repo.entries(m, table, serverId)).map((e) => [e.external_id, e]));
    const rows: unknown[][] = [];
    const seen = new Set<string>();
    for (const item of incoming) {
      seen.add(item.externalId);
      const old = existing.get(item.externalId);
      if (!old) {
        counts.created++;
        rows.push([newId(), serverId, item.externalId, item.name, now, now, null]);
      } else if (old.removed_at !== null || old.name !== item.name) {
        counts[old.removed_at !== null ? 'restored' : 'updated']++;
        rows.push([old.id, serverId, item.externalId, item.name, now, now, null]);
      } else {
        counts.unchanged++;
      }
    }
    await this.repo.upsert(m, table, ['id', 'server_id', 'external_id', 'name', 'first_seen_at', 'updated_at', 'removed_at'], ['name', 'updated_at', 'removed_at'], rows);
    const removed = this.removals(existing, seen, plan.removeMissing, removeIds);
    counts.removed = removed.length;
    await this.repo.markRemoved(m, table, removed, now);

    const live = new Map<string, string>();
    for (const [ext, e] of existing) if (e.removed_at === null) live.set(ext, e.id);
    for (const row of rows) live.set(row[2] as string, row[0] as string);
    for (const ext of plan.removeMissing ? [...existing.keys()].filter((k) => !seen.has(k)) : removeIds) live.delete(ext);
    return { counts, live };
  }

  private async syncMembers(m: EntityManager, serverId: string, plan: SyncPlan, groupIds: Map<string, string>, now: number): Promise<SyncCounts> {
    const counts = zero();
    const existing = new Map((await this.repo.members(m, serverId)).map((e) => [e.external_id, e]));
    const current = new Map<string, string[]>();
    for (const { member_id, group_id } of await this.repo.memberships(m, serverId)) {
      const list = current.get(member_id);
      if (list) list.push(group_id);
      else current.set(member_id, [group_id]);
    }
    const rows: unknown[][] = [];
    const regrouped: string[] = [];
    const pairs: [string, string][] = [];
    const seen = new Set<string>();
    for (const member of plan.members) {
      seen.add(member.externalId);
      const wanted = this.resolveGroups(member, groupIds);
      const old = existing.get(member.externalId);
      const id = old?.id ?? newId();
      const displayName = member.displayName ?? null;
      const email = member.email ?? null;
      const fieldsChanged = !old || old.removed_at !== null || old.username !== member.username || old.display_name !== displayName || old.email !== email;
      const groupsChanged = (current.get(id) ?? []).sort().join('\n') !== wanted.join('\n');
      if (fieldsChanged) rows.push([id, serverId, member.externalId, member.username, displayName, email, memberSearchText(member.username, displayName, email), now, now, null]);
      if (groupsChanged) {
        regrouped.push(id);
        for (const g of wanted) pairs.push([id, g]);
      }
      if (!old) counts.created++;
      else if (old.removed_at !== null) counts.restored++;
      else if (fieldsChanged || groupsChanged) counts.updated++;
      else counts.unchanged++;
    }
    await this.repo.upsert(
      m,
      'members',
      ['id', 'server_id', 'external_id', 'username', 'display_name', 'email', 'search_text', 'first_seen_at', 'updated_at', 'removed_at'],
      ['username', 'display_name', 'email', 'search_text', 'updated_at', 'removed_at'],
      rows,
    );
    await this.repo.replaceMemberships(m, regrouped, pairs);
    const removed = this.removals(existing, seen, plan.removeMissing, plan.remove.members);
    counts.removed = removed.length;
    await this.repo.markRemoved(m, 'members', removed, now);
    return counts;
  }

  /** Ids of live rows to mark removed: those missing from a full push, or listed for removal. */
  private removals(existing: Map<string, { id: string; removed_at: unknown }>, seen: Set<string>, removeMissing: boolean, removeIds: string[]): string[] {
    const out: string[] = [];
    const candidates = removeMissing ? [...existing.keys()].filter((k) => !seen.has(k)) : removeIds.filter((k) => !seen.has(k));
    for (const ext of candidates) {
      const e = existing.get(ext);
      if (e && e.removed_at === null) out.push(e.id);
    }
    return out;
  }

  private resolveGroups(member: DirectoryMember, groupIds: Map<string, string>): string[] {
    const ids = new Set<string>();
    for (const ext of member.groups) {
      const id = groupIds.get(ext);
      if (!id) {
        throw new AppException(400, 'directory_unknown_reference', `Member "${member.externalId}" is in group "${ext}", which the directory does not list.`, {
          member: member.externalId,
          group: ext,
        });
      }
      ids.add(id);
    }
    return [...ids].sort();
  }

  async listEntries(kind: 'groups' | 'libraries', serverId?: string): Promise<DirectoryEntryList> {
    const rows = await this.repo.liveEntries(kind === 'groups' ? 'directory_groups' : 'directory_libraries', serverId);
    return { items: rows.map((r) => ({ id: r.id, serverId: r.server_id, externalId: r.external_id, name: r.name, memberCount: r.members === null ? null : Number(r.members) })) };
  }
}

function assertUnique(what: string, items: { externalId: string }[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.externalId)) {
      throw new AppException(400, 'directory_duplicate', `The ${what} list has "${item.externalId}" twice.`, { [what]: item.externalId });
    }
    seen.add(item.externalId);
  }
}
