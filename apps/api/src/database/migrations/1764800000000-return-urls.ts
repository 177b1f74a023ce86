import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Returning to the web client after a verification: a server's extra web origins, and a challenge's return URL. */
export class ReturnUrls1764800000000 implements MigrationInterface {
  name = 'ReturnUrls1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('servers', new TableColumn({ name: 'web_origins', type: 'text', isNullable: true }));
    await q.addColumn('challenges', new TableColumn({ name: 'return_url', type: 'varchar', length: '2048', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('challenges', 'return_url');
    await q.dropColumn('servers', 'web_origins');
  }
}
