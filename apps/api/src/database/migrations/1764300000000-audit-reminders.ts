import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

/** Audit retention checkpoints, rollups for dashboards, scheduler leases, reminders and their settings. */
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const key = (name: string, length: number): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isPrimary: true });
const big = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const cascade = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });

export class AuditReminders1764300000000 implements MigrationInterface {
  name = 'AuditReminders1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('audit_events', new TableIndex({ name: 'ix_audit_events_member', columnNames: ['member_id', 'seq'] }));
    await q.createIndex('audit_events', new TableIndex({ name: 'ix_audit_events_type', columnNames: ['type', 'seq'] }));
    await q.createTable(
      new Table({
        name: 'audit_checkpoints',
        columns: [{ name: 'seq', type: 'bigint', isPrimary: true }, str('hash', 64), big('pruned_entries'), big('cutoff_at'), big('created_at')],
      }),
    );
    await q.createTable(new Table({ name: 'audit_daily_counts', columns: [key('day', 10), key('type', 64), key('outcome', 16), big('events')] }));
    await q.createTable(
      new Table({
        name: 'adoption_snapshots',
        columns: [key('day', 10), key('policy_id', 36), str('policy_name', 100), int('compliant'), int('in_grace'), int('overdue'), int('exempt'), big('taken_at')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'job_leases',
        columns: [
          key('name', 64),
          str('holder', 36, true),
          big('lease_until', true),
          big('next_run_at'),
          big('last_started_at', true),
          big('last_finished_at', true),
          str('last_error', 500, true),
          int('runs'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'reminder_settings',
        columns: [key('id', 16), { name: 'enabled', type: 'boolean' }, str('sender_name', 100, true), { name: 'message', type: 'text', isNullable: true }, big('updated_at'), str('updated_by', 36, true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'reminders',
        columns: [
          key('id', 36),
          str('dedupe_key', 200),
          str('kind', 16),
          str('member_id', 36, true),
          str('admin_id', 36, true),
          str('exemption_id', 36, true),
          str('policy_id', 36, true),
          big('deadline_at', true),
          int('step', true),
          str('email', 320),
          str('status', 16),
          int('attempts'),
          str('last_error', 500, true),
          str('requested_by', 36, true),
          big('created_at'),
          big('sent_at', true),
        ],
        indices: [new TableIndex({ name: 'ux_reminders_dedupe_key', columnNames: ['dedupe_key'], isUnique: true }), new TableIndex({ name: 'ix_reminders_member', columnNames: ['member_id'] })],
        foreignKeys: [cascade('member_id', 'members'), cascade('admin_id', 'admins'), cascade('exemption_id', 'exemptions')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['reminders', 'reminder_settings', 'job_leases', 'adoption_snapshots', 'audit_daily_counts', 'audit_checkpoints']) await q.dropTable(t);
    await q.dropIndex('audit_events', 'ix_audit_events_type');
    await q.dropIndex('audit_events', 'ix_audit_events_member');
  }
}
