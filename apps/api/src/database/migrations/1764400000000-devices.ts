import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/** Remembered and paired devices, app passwords, member credential versions, pairing sessions. */
const id = (): TableColumnOptions => ({ name: 'id', type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });

export class Devices1764400000000 implements MigrationInterface {
  name = 'Devices1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'member_devices',
        columns: [
          id(),
          ref('member_id'),
          ref('server_id'),
          str('device_id', 200),
          str('device_name', 200, true),
          str('client', 200, true),
          str('kind', 16),
          int('generation'),
          int('credential_version'),
          ms('created_at'),
          ms('verified_at'),
          ms('rotated_at', true),
          ms('last_used_at', true),
          str('last_ip', 64, true),
          ms('expires_at', true),
          ms('revoked_at', true),
          str('revoked_reason', 32, true),
        ],
        indices: [
          new TableIndex({ name: 'ix_member_devices_member', columnNames: ['member_id'] }),
          new TableIndex({ name: 'ix_member_devices_server_revoked', columnNames: ['server_id', 'revoked_at'] }),
        ],
        foreignKeys: [cascade('member_id', 'members'), cascade('server_id', 'servers')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'app_passwords',
        columns: [id(), ref('member_id'), str('name', 100), str('secret_hash', 64), str('prefix', 24), ms('created_at'), ms('last_used_at', true), str('last_ip', 64, true), ms('revoked_at', true)],
        indices: [
          new TableIndex({ name: 'ix_app_passwords_member', columnNames: ['member_id'] }),
          new TableIndex({ name: 'ux_app_passwords_secret_hash', columnNames: ['secret_hash'], isUnique: true }),
        ],
        foreignKeys: [cascade('member_id', 'members')],
      }),
    );
    await q.addColumns('members', [new TableColumn({ ...int('credential_version'), default: 0 }), new TableColumn(ms('emergency_at', true))]);
    await q.addColumns('challenges', [new TableColumn({ ...int('remember_device'), default: 0 }), new TableColumn(ref('device_record_id', true))]);
    await q.addColumns('member_sessions', [new TableColumn({ ...str('scope', 16), default: "'full'" }), new TableColumn(ref('pairing_challenge_id', true))]);
    await q.addColumn('policies', new TableColumn({ ...int('allow_app_passwords'), default: 1 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('policies', 'allow_app_passwords');
    await q.dropColumns('member_sessions', ['scope', 'pairing_challenge_id']);
    await q.dropColumns('challenges', ['remember_device', 'device_record_id']);
    await q.dropColumns('members', ['credential_version', 'emergency_at']);
    await q.dropTable('app_passwords');
    await q.dropTable('member_devices');
  }
}
