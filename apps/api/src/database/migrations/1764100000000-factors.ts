import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/** Second factors, challenges, throttles, member sessions and links, and the first audit table. */
const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer' });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
const unique = (name: string, ...columnNames: string[]) => new TableIndex({ name, columnNames, isUnique: true });
const index = (name: string, ...columnNames: string[]) => new TableIndex({ name, columnNames });

export class Factors1764100000000 implements MigrationInterface {
  name = 'Factors1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('admin_sessions', new TableColumn(ms('mfa_verified_at', true)));
    await q.createTable(
      new Table({
        name: 'factors',
        columns: [
          id(),
          ref('member_id', true),
          ref('admin_id', true),
          str('kind', 16),
          str('status', 16),
          str('label', 100, true),
          text('secret', true),
          str('email', 320, true),
          str('credential_id', 512, true),
          ms('sign_count', true),
          str('transports', 200, true),
          ms('last_used_step', true),
          ms('created_at'),
          ms('confirmed_at', true),
          ms('last_used_at', true),
        ],
        indices: [index('ix_factors_member', 'member_id'), index('ix_factors_admin', 'admin_id'), unique('ux_factors_credential_id', 'credential_id')],
        foreignKeys: [cascade('member_id', 'members'), cascade('admin_id', 'admins')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'recovery_codes',
        columns: [id(), ref('factor_id'), str('lookup', 64), text('code_hash'), ms('created_at'), ms('used_at', true)],
        indices: [index('ix_recovery_codes_factor', 'factor_id'), unique('ux_recovery_codes_lookup', 'lookup')],
        foreignKeys: [cascade('factor_id', 'factors')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'challenges',
        columns: [
          id(),
          ref('member_id', true),
          ref('admin_id', true),
          str('purpose', 24),
          str('status', 16),
          int('attempts'),
          int('max_attempts'),
          str('session_id', 36, true),
          str('ip', 64, true),
          ms('created_at'),
          ms('expires_at'),
          ms('completed_at', true),
          str('completed_method', 24, true),
        ],
        indices: [index('ix_challenges_member', 'member_id')],
        foreignKeys: [cascade('member_id', 'members'), cascade('admin_id', 'admins')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'email_codes',
        columns: [id(), ref('challenge_id', true), ref('factor_id', true), str('email', 320), str('code_hash', 64), ms('created_at'), ms('expires_at'), ms('used_at', true), ms('superseded_at', true)],
        indices: [index('ix_email_codes_challenge', 'challenge_id'), index('ix_email_codes_factor', 'factor_id')],
        foreignKeys: [cascade('challenge_id', 'challenges'), cascade('factor_id', 'factors')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webauthn_challenges',
        columns: [id(), ref('member_id', true), ref('admin_id', true), ref('challenge_id', true), str('kind', 16), str('challenge', 128), ms('created_at'), ms('expires_at'), ms('used_at', true)],
        indices: [unique('ux_webauthn_challenges_challenge', 'challenge')],
        foreignKeys: [cascade('member_id', 'members'), cascade('admin_id', 'admins'), cascade('challenge_id', 'challenges')],
      }),
    );
    await q.createTable(
      new Table({ name: 'throttles', columns: [{ name: 'key', type: 'varchar', length: '200', isPrimary: true }, int('count'), ms('window_started_at'), ms('locked_until', true)] }),
    );
    await q.createTable(
      new Table({
        name: 'member_sessions',
        columns: [id(), ref('member_id'), str('token_hash', 64), ms('created_at'), ms('last_seen_at'), ms('expires_at'), ms('revoked_at', true), ms('verified_at', true), str('ip', 64, true), str('user_agent', 512, true)],
        indices: [index('ix_member_sessions_member', 'member_id'), unique('ux_member_sessions_token_hash', 'token_hash')],
        foreignKeys: [cascade('member_id', 'members')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'member_links',
        columns: [id(), ref('member_id'), str('purpose', 16), str('token_hash', 64), ms('created_at'), ms('expires_at'), ms('used_at', true)],
        indices: [unique('ux_member_links_token_hash', 'token_hash')],
        foreignKeys: [cascade('member_id', 'members')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          id(),
          { name: 'seq', type: 'bigint' },
          ms('at'),
          str('type', 64),
          str('outcome', 16),
          str('member_id', 36, true),
          str('admin_id', 36, true),
          str('ip', 64, true),
          text('details', true),
          str('prev_hash', 64),
          str('hash', 64),
        ],
        indices: [index('ix_audit_events_at', 'at'), unique('ux_audit_events_seq', 'seq')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_events', 'member_links', 'member_sessions', 'throttles', 'webauthn_challenges', 'email_codes', 'challenges', 'recovery_codes', 'factors']) {
      await q.dropTable(t);
    }
    await q.dropColumn('admin_sessions', 'mfa_verified_at');
  }
}
