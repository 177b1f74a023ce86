import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../database/db';

export interface ExistingEntry {
  id: string;
  external_id: string;
  name: string;
  removed_at: number | string | null;
}

export interface ExistingMember {
  id: string;
  external_id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  removed_at: number | string | null;
}

export type EntryTable = 'directory_groups' | 'directory_libraries';

/** Set-based queries for directory sync: a 100,000-member push must not become 100,000 round trips. */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly db: Db) {}

  entries(m: EntityManager, table: EntryTable, serverId: string): Promise<ExistingEntry[]> {
    return this.db.raw(m, `SELECT id, external_id, name, removed_at FROM ${table} WHERE server_id = ?`, [serverId]);
  }

  members(m: EntityManager, serverId: string): Promise<ExistingMember[]> {
    return this.db.raw(m, 'SELECT id, external_id, username, display_name, email, removed_at FROM members WHERE server_id = ?', [serverId]);
  }

  memberships(m: EntityManager, serverId: string): Promise<{ member_id: string; group_id: string }[]> {
    return this.db.raw(
      m,
      'SELECT mg.member_id, mg.group_id FROM member_groups mg JOIN members mb ON mb.id = mg.member_id WHERE mb.server_id = ?',
      [serverId],
    );
  }

  /** Inserts rows, or on (server_id, external_id) conflict updates `updateColumns`. */
  async upsert(m: EntityManager, table: string, columns: string[], updateColumns: string[], rows: unknown[][]): Promise<void> {
    const set = updateColumns.map((c) => `${c} = excluded.${c}`).join(', ');
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (const chunk of chunks(rows, Math.floor(this.db.maxParams / columns.length))) {
      await this.db.raw(
        m,
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ON CONFLICT (server_id, external_id) DO UPDATE SET ${set}`,
        chunk.flat(),
      );
    }
  }

  async markRemoved(m: EntityManager, table: string, ids: string[], now: number): Promise<void> {
    for (const chunk of chunks(ids, this.db.maxParams - 2)) {
      await this.db.raw(m, `UPDATE ${table} SET removed_at = ?, updated_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`, [now, now, ...chunk]);
    }
  }

  async replaceMemberships(m: EntityManager, memberIds: string[], pairs: [string, string][]): Promise<void> {
    for (const chunk of chunks(memberIds, this.db.maxParams)) {
      await this.db.raw(m, `DELETE FROM member_groups WHERE member_id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    }
    for (const chunk of chunks(pairs, Math.floor(this.db.maxParams / 2))) {
      await this.db.raw(m, `INSERT INTO member_groups (member_id, group_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`, chunk.flat());
    }
  }

  /**
   * After a large sync, PostgreSQL's planner would use stale row counts until autovacuum analyses the
   * tables (seconds to minutes), and pick full scans for the console's member pages meanwhile. SQLite
   * plans these queries well without statistics.
   */
  async refreshStatistics(): Promise<void> {
    if (this.db.kind === 'postgres') await this.db.raw(this.db.manager, 'ANALYZE members, member_groups');
  }

  /** Live groups (with member counts) or libraries, for pickers in the console. */
  liveEntries(table: EntryTable, serverId?: string): Promise<{ id: string; server_id: string; external_id: string; name: string; members: number | string | null }[]> {
    const counts = table === 'directory_groups' ? '(SELECT count(*) FROM member_groups mg JOIN members mb ON mb.id = mg.member_id WHERE mg.group_id = e.id AND mb.removed_at IS NULL)' : 'NULL';
    return this.db.raw(
      this.db.manager,
      `SELECT e.id, e.server_id, e.external_id, e.name, ${counts} AS members FROM ${table} e WHERE e.removed_at IS NULL${serverId ? ' AND e.server_id = ?' : ''} ORDER BY e.name, e.id`,
      serverId ? [serverId] : [],
    );
  }
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
