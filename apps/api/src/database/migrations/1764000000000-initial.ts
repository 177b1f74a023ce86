import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/**
 * The first schema. Written with TypeORM's portable Table API so the same migration builds the same
 * schema on SQLite and PostgreSQL (a test checks both against the entities).
 */
const id = (name = 'id', primary = true): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: primary });
const ref = (name: string): TableColumnOptions => ({ name, type: 'varchar', length: '36' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string): TableColumnOptions => ({ name, type: 'text' });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
const unique = (name: string, ...columnNames: string[]) => new TableIndex({ name, columnNames, isUnique: true });
const index = (name: string, ...columnNames: string[]) => new TableIndex({ name, columnNames });

export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({ name: 'system_settings', columns: [{ name: 'name', type: 'varchar', length: '100', isPrimary: true }, text('value'), ms('created_at')] }),
    );
    await q.createTable(
      new Table({
        name: 'servers',
        columns: [
          id(),
          str('name', 100),
          str('kind', 16),
          str('base_url', 2048),
          str('api_key_hash', 64, true),
          str('api_key_prefix', 24, true),
          ms('api_key_created_at', true),
          ms('api_key_last_used_at', true),
          ms('created_at'),
          ms('updated_at'),
        ],
        indices: [unique('ux_servers_api_key_hash', 'api_key_hash')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'admins',
        columns: [id(), str('email', 320), str('display_name', 100), text('password_hash'), str('role', 16), ms('created_at'), ms('last_login_at', true)],
        indices: [unique('ux_admins_email', 'email')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'admin_sessions',
        columns: [
          id(),
          ref('admin_id'),
          str('token_hash', 64),
          ms('created_at'),
          ms('last_seen_at'),
          ms('expires_at'),
          ms('revoked_at', true),
          str('ip', 64, true),
          str('user_agent', 512, true),
        ],
        indices: [index('ix_admin_sessions_admin', 'admin_id'), unique('ux_admin_sessions_token_hash', 'token_hash')],
        foreignKeys: [cascade('admin_id', 'admins')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'admin_tokens',
        columns: [
          id(),
          ref('admin_id'),
          str('name', 100),
          str('token_hash', 64),
          str('prefix', 24),
          ms('created_at'),
          ms('last_used_at', true),
          ms('expires_at', true),
          ms('revoked_at', true),
        ],
        indices: [index('ix_admin_tokens_admin', 'admin_id'), unique('ux_admin_tokens_token_hash', 'token_hash')],
        foreignKeys: [cascade('admin_id', 'admins')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'setup_tokens',
        columns: [id(), str('token_hash', 64), ms('created_at'), ms('expires_at'), ms('used_at', true)],
        indices: [unique('ux_setup_tokens_token_hash', 'token_hash')],
      }),
    );
    const directoryColumns = [id(), ref('server_id'), str('external_id', 200), ms('first_seen_at'), ms('updated_at'), ms('removed_at', true)];
    await q.createTable(
      new Table({
        name: 'members',
        columns: [...directoryColumns, str('username', 200), str('display_name', 200, true), str('email', 320, true)],
        indices: [unique('ux_members_server_external', 'server_id', 'external_id'), index('ix_members_server_username', 'server_id', 'username')],
        foreignKeys: [cascade('server_id', 'servers')],
      }),
    );
    for (const table of ['directory_groups', 'directory_libraries']) {
      await q.createTable(
        new Table({
          name: table,
          columns: [...directoryColumns, str('name', 200)],
          indices: [unique(`ux_${table}_server_external`, 'server_id', 'external_id')],
          foreignKeys: [cascade('server_id', 'servers')],
        }),
      );
    }
    await q.createTable(
      new Table({
        name: 'member_groups',
        columns: [id('member_id'), id('group_id')],
        indices: [index('ix_member_groups_group', 'group_id')],
        foreignKeys: [cascade('member_id', 'members'), cascade('group_id', 'directory_groups')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['member_groups', 'directory_libraries', 'directory_groups', 'members', 'setup_tokens', 'admin_tokens', 'admin_sessions', 'admins', 'servers', 'system_settings']) {
      await q.dropTable(t);
    }
  }
}
