import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Forward-auth: the host names a reverse proxy protects for each media server (JSON list). */
export class ForwardAuth1764600000000 implements MigrationInterface {
  name = 'ForwardAuth1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('servers', new TableColumn({ name: 'forward_auth_hosts', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('servers', 'forward_auth_hosts');
  }
}
