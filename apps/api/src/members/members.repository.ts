import { Injectable } from '@nestjs/common';
import type { MemberSort } from '@latchkey/contracts';
import { Db } from '../database/db';
import { allOf, sql, type Sql } from './status-filter';

export interface MemberRow {
  id: string;
  server_id: string;
  external_id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  first_seen_at: string | number;
  removed_at: string | number | null;
}

/** A keyset position: the sort column's value and the id of the last row shown. */
export type Keyset = [string | number, string];

const SORTS: Record<MemberSort, { column: string; dir: 'ASC' | 'DESC' }> = {
  username: { column: 'm.username', dir: 'ASC' },
  '-username': { column: 'm.username', dir: 'DESC' },
  firstSeenAt: { column: 'm.first_seen_at', dir: 'ASC' },
  '-firstSeenAt': { column: 'm.first_seen_at', dir: 'DESC' },
};

const COLUMNS = 'm.id, m.server_id, m.external_id, m.username, m.display_name, m.email, m.first_seen_at, m.removed_at';

/** Queries behind the console's members table and member page. */
@Injectable()
export class MembersRepository {
  constructor(private readonly db: Db) {}

  /**
   * One page in keyset order (sort column, then id), with arbitrary conditions on the row `m`. Indexes on
   * (username, id) and (first_seen_at, id) let the database walk rows in order and stop at `limit`.
   */
  page(conditions: Sql[], sort: MemberSort, after: Keyset | undefined, limit: number): Promise<MemberRow[]> {
    const { column, dir } = SORTS[sort];
    const where = allOf(...conditions, ...(after ? [sql(`(${column}, m.id) ${dir === 'ASC' ? '>' : '<'} (?, ?)`, after[0], after[1])] : []));
    return this.db.raw<MemberRow>(this.db.manager, `SELECT ${COLUMNS} FROM members m WHERE ${where.sql} ORDER BY ${column} ${dir}, m.id ${dir} LIMIT ?`, [...where.params, limit]);
  }

  /**
   * Members whose username, display name or e-mail contains `q` (any case). SQLite reads `search_text` from
   * the list indexes; PostgreSQL takes a LIKE (its wildcards escaped) so that the trigram index can answer.
   */
  searchCondition(q: string): Sql {
    const text = q.toLowerCase();
    if (this.db.kind === 'postgres') return sql('m.search_text LIKE ?', `%${text.replace(/[\\%_]/g, '\\$&')}%`);
    return sql('instr(m.search_text, ?) > 0', text);
  }

  /** The keyset value of a row for a sort. */
  keyOf(row: MemberRow, sort: MemberSort): Keyset {
    return [SORTS[sort].column === 'm.username' ? row.username : Number(row.first_seen_at), row.id];
  }

  async find(id: string): Promise<(MemberRow & { server_name: string; emergency_at: string | number | null }) | null> {
    const rows = await this.db.raw<MemberRow & { server_name: string; emergency_at: string | number | null }>(
      this.db.manager,
      `SELECT ${COLUMNS}, m.emergency_at, s.name AS server_name FROM members m JOIN servers s ON s.id = m.server_id WHERE m.id = ?`,
      [id],
    );
    return rows[0] ?? null;
  }

  groupsOf(memberIds: string[]): Promise<{ member_id: string; id: string; external_id: string; name: string }[]> {
    if (memberIds.length === 0) return Promise.resolve([]);
    return this.db.raw(
      this.db.manager,
      `SELECT mg.member_id, g.id, g.external_id, g.name FROM member_groups mg JOIN directory_groups g ON g.id = mg.group_id WHERE mg.member_id IN (${memberIds.map(() => '?').join(', ')}) ORDER BY g.name, g.external_id`,
      memberIds,
    );
  }

  libraryServer(libraryId: string): Promise<{ server_id: string }[]> {
    return this.db.raw(this.db.manager, 'SELECT server_id FROM directory_libraries WHERE id = ?', [libraryId]);
  }

  async existing(ids: string[]): Promise<Set<string>> {
    const rows = await this.db.raw<{ id: string }>(this.db.manager, `SELECT id FROM members WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
    return new Set(rows.map((r) => r.id));
  }
}
