import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/** Policies, exemptions, login challenges' details, and servers' trusted proxies. */
const id = (): TableColumnOptions => ({ name: 'id', type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean' });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });

export class Policies1764200000000 implements MigrationInterface {
  name = 'Policies1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'policies',
        columns: [
          id(),
          str('name', 100),
          bool('enabled'),
          text('groups'),
          text('libraries'),
          int('grace_period_days'),
          str('accepted', 24),
          bool('allow_email'),
          str('enforcement', 16),
          int('reverify_after_hours', true),
          text('bypass_cidrs'),
          ms('first_activated_at', true),
          ms('created_at'),
          ms('updated_at'),
          ms('deleted_at', true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'exemptions',
        columns: [id(), ref('member_id'), ref('policy_id', true), str('reason', 500), ms('expires_at', true), ms('created_at'), str('created_by', 36, true), ms('revoked_at', true)],
        indices: [new TableIndex({ name: 'ix_exemptions_member', columnNames: ['member_id'] })],
        foreignKeys: [cascade('member_id', 'members'), cascade('policy_id', 'policies')],
      }),
    );
    await q.addColumn('servers', new TableColumn(text('trusted_proxies', true)));
    await q.addColumns('challenges', [
      new TableColumn(ref('server_id', true)),
      new TableColumn(str('device_id', 200, true)),
      new TableColumn(str('device_name', 200, true)),
      new TableColumn(str('client', 200, true)),
      new TableColumn(str('user_code_hash', 64, true)),
      new TableColumn(str('accepted_factors', 200, true)),
      new TableColumn(int('poll_interval', true)),
      new TableColumn(ms('last_polled_at', true)),
    ]);
    await q.createIndex('challenges', new TableIndex({ name: 'ux_challenges_user_code', columnNames: ['user_code_hash'], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('challenges', 'ux_challenges_user_code');
    for (const c of ['last_polled_at', 'poll_interval', 'accepted_factors', 'user_code_hash', 'client', 'device_name', 'device_id', 'server_id']) await q.dropColumn('challenges', c);
    await q.dropColumn('servers', 'trusted_proxies');
    await q.dropTable('exemptions');
    await q.dropTable('policies');
  }
}
