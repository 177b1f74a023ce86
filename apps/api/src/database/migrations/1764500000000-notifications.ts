import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/** Owner notification channels and the delivery outbox. */
const id = (): TableColumnOptions => ({ name: 'id', type: 'varchar', length: '36', isPrimary: true });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Notifications1764500000000 implements MigrationInterface {
  name = 'Notifications1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'notification_channels',
        columns: [
          id(),
          str('name', 100),
          str('kind', 16),
          text('events'),
          { name: 'enabled', type: 'boolean' },
          text('config'),
          text('secret', true),
          str('created_by', 36, true),
          ms('created_at'),
          ms('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'notification_deliveries',
        columns: [
          id(),
          str('channel_id', 36),
          str('event_id', 36),
          str('event_type', 64),
          text('payload'),
          str('status', 16),
          int('attempts'),
          ms('next_attempt_at'),
          ms('claimed_until'),
          str('claim_token', 36, true),
          int('last_status', true),
          str('last_error', 500, true),
          ms('created_at'),
          ms('updated_at'),
          ms('delivered_at', true),
        ],
        indices: [
          new TableIndex({ name: 'ix_notification_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_notification_deliveries_channel', columnNames: ['channel_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'notification_channels', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('notification_deliveries');
    await q.dropTable('notification_channels');
  }
}
