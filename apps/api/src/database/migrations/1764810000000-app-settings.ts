import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Settings sections overridden from the console (JSON per section; the SMTP password as an AEAD envelope). */
export class AppSettings1764810000000 implements MigrationInterface {
  name = 'AppSettings1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'app_settings',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'updated_at', type: 'bigint' },
          { name: 'updated_by', type: 'varchar', length: '36', isNullable: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('app_settings');
  }
}
