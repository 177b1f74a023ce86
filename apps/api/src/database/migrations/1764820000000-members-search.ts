import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The members table at 100,000 members on PostgreSQL (SQLite's planner already answers these within the
 * target with the list indexes of the console migration, so nothing changes there):
 * - text search: a trigram GIN index on `members.search_text` (pg_trgm), which `LIKE '%…%'` uses; the
 *   search condition is a LIKE on PostgreSQL for that reason. Where pg_trgm cannot be installed (a role
 *   without the CREATE privilege on the database, a build without contrib modules) the index is skipped
 *   and search still works, scanning as before.
 * - a group filter combined with others: (group_id, member_id) lets PostgreSQL read a group's members
 *   from the index alone instead of scanning every membership.
 * - a passkey or e-mail filter combined with a rare status: partial indexes in each sort order over the
 *   members holding that kind of factor (a few percent of rows), instead of walking every member.
 */
export class MembersSearch1764820000000 implements MigrationInterface {
  name = 'MembersSearch1764820000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query('SAVEPOINT latchkey_pg_trgm');
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await q.query('RELEASE SAVEPOINT latchkey_pg_trgm');
    } catch {
      await q.query('ROLLBACK TO SAVEPOINT latchkey_pg_trgm');
    }
    const [trgm] = (await q.query("SELECT 1 AS ok FROM pg_extension WHERE extname = 'pg_trgm'")) as { ok: number }[];
    if (trgm) await q.query('CREATE INDEX ix_members_search_trgm ON members USING gin (search_text gin_trgm_ops)');
    await q.query('CREATE INDEX ix_member_groups_group_member ON member_groups (group_id, member_id)');
    for (const [kind, bit] of FACTOR_INDEXES) {
      const holders = `WHERE removed_at IS NULL AND (factor_mask & ${bit}) <> 0`;
      await q.query(`CREATE INDEX ix_members_${kind}_username ON members (username, id) ${holders}`);
      await q.query(`CREATE INDEX ix_members_${kind}_first_seen ON members (first_seen_at, id) ${holders}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    for (const [kind] of FACTOR_INDEXES) {
      await q.query(`DROP INDEX ix_members_${kind}_first_seen`);
      await q.query(`DROP INDEX ix_members_${kind}_username`);
    }
    await q.query('DROP INDEX ix_member_groups_group_member');
    await q.query('DROP INDEX IF EXISTS ix_members_search_trgm');
  }
}

/** Factor kinds few members hold, with their bit in `members.factor_mask` (see status-filter.ts). */
const FACTOR_INDEXES: [string, number][] = [
  ['passkey', 4],
  ['email', 2],
];
