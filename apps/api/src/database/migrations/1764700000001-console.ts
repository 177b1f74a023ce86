import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Admin invitations; and what keeps the console's members table fast at 100,000 members:
 * - `members.factor_mask`, the kinds of a member's active factors as bits (totp 1, email 2, passkey 4,
 *   recovery codes 8), kept by database triggers on `factors` so no code path can forget it;
 * - `members.search_text`, the lower-cased "username display name e-mail" (written with the row by the
 *   directory sync and first sign-in);
 * - two covering indexes, one per sort order, holding every column the table filters on, so a page is
 *   found by walking one index without touching the table.
 */
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });

const MASK_OF_MEMBER = (member: string) =>
  `(SELECT COALESCE(SUM(DISTINCT CASE kind WHEN 'totp' THEN 1 WHEN 'email' THEN 2 WHEN 'passkey' THEN 4 WHEN 'recovery_codes' THEN 8 ELSE 0 END), 0) FROM factors WHERE member_id = ${member} AND status = 'active')`;

/** Frozen copy of the rule the code uses (directory/search-text.ts) for backfilling existing rows. */
const searchText = (username: string, displayName: string | null, email: string | null) => [username, displayName ?? '', email ?? ''].join(' ').toLowerCase().slice(0, 300);

export class Console1764700000001 implements MigrationInterface {
  name = 'Console1764700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'admin_invites',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          str('email', 320),
          str('role', 16),
          str('token_hash', 64),
          str('invited_by', 36, true),
          ms('created_at'),
          ms('expires_at'),
          ms('accepted_at', true),
          str('accepted_admin_id', 36, true),
          ms('revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'ux_admin_invites_token_hash', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_admin_invites_email', columnNames: ['email'] }),
        ],
      }),
    );

    await q.addColumns('members', [
      new TableColumn({ name: 'factor_mask', type: 'integer', default: 0 }),
      new TableColumn({ ...str('search_text', 300), default: "''" }),
    ]);
    const postgres = q.connection.options.type === 'postgres';
    const p = (n: number) => (postgres ? `$${n}` : '?');
    const rows: { id: string; username: string; display_name: string | null; email: string | null }[] = await q.query('SELECT id, username, display_name, email FROM members');
    for (const r of rows) await q.query(`UPDATE members SET search_text = ${p(1)} WHERE id = ${p(2)}`, [searchText(r.username, r.display_name, r.email), r.id]);
    await q.query(`UPDATE members SET factor_mask = ${MASK_OF_MEMBER('members.id')}`);

    if (postgres) {
      // The member row is locked first, so the recount (a new snapshot) sees a concurrent transaction's factor.
      await q.query(`CREATE FUNCTION latchkey_factor_mask() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE target varchar(36);
BEGIN
  FOREACH target IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.member_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.member_id END] LOOP
    IF target IS NOT NULL THEN
      PERFORM 1 FROM members WHERE id = target FOR UPDATE;
      UPDATE members SET factor_mask = ${MASK_OF_MEMBER('target')} WHERE id = target;
    END IF;
  END LOOP;
  RETURN NULL;
END $$`);
      await q.query('CREATE TRIGGER trg_factors_mask AFTER INSERT OR DELETE OR UPDATE OF status, kind, member_id ON factors FOR EACH ROW EXECUTE FUNCTION latchkey_factor_mask()');
    } else {
      // SQLite has one writer at a time: a recount after each change is exact.
      await q.query(`CREATE TRIGGER trg_factors_mask_insert AFTER INSERT ON factors WHEN NEW.member_id IS NOT NULL BEGIN UPDATE members SET factor_mask = ${MASK_OF_MEMBER('NEW.member_id')} WHERE id = NEW.member_id; END`);
      await q.query(`CREATE TRIGGER trg_factors_mask_delete AFTER DELETE ON factors WHEN OLD.member_id IS NOT NULL BEGIN UPDATE members SET factor_mask = ${MASK_OF_MEMBER('OLD.member_id')} WHERE id = OLD.member_id; END`);
      await q.query(
        `CREATE TRIGGER trg_factors_mask_update AFTER UPDATE OF status, kind, member_id ON factors BEGIN UPDATE members SET factor_mask = ${MASK_OF_MEMBER('members.id')} WHERE id IN (OLD.member_id, NEW.member_id); END`,
      );
    }

    const listed = ['removed_at', 'server_id', 'factor_mask', 'search_text'];
    await q.createIndex('members', new TableIndex({ name: 'ix_members_list_username', columnNames: ['username', 'id', 'first_seen_at', ...listed] }));
    await q.createIndex('members', new TableIndex({ name: 'ix_members_list_first_seen', columnNames: ['first_seen_at', 'id', 'username', ...listed] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('members', 'ix_members_list_first_seen');
    await q.dropIndex('members', 'ix_members_list_username');
    if (q.connection.options.type === 'postgres') {
      await q.query('DROP TRIGGER trg_factors_mask ON factors');
      await q.query('DROP FUNCTION latchkey_factor_mask()');
    } else {
      for (const t of ['insert', 'delete', 'update']) await q.query(`DROP TRIGGER trg_factors_mask_${t}`);
    }
    await q.dropColumns('members', ['factor_mask', 'search_text']);
    await q.dropTable('admin_invites');
  }
}
