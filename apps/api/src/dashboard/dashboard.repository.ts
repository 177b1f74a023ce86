import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { AdoptionSnapshotEntity } from '../database/audit-entities';
import { eventCountsSince, type EventCountRow } from './adoption';

export interface SnapshotRow {
  day: string;
  policy_id: string;
  policy_name: string;
  compliant: number;
  in_grace: number;
  overdue: number;
  exempt: number;
}

/** The dashboards' tables: daily event counts (kept by the audit writer) and adoption snapshots. */
@Injectable()
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  /** Writes (or rewrites) a day's snapshot of each policy: the day keeps its latest figures. */
  async saveSnapshots(rows: AdoptionSnapshotEntity[]): Promise<void> {
    if (!rows.length) return;
    await this.db.write(async (m) => {
      for (const r of rows) {
        await this.db.raw(
          m,
          'INSERT INTO adoption_snapshots (day, policy_id, policy_name, compliant, in_grace, overdue, exempt, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
            'ON CONFLICT (day, policy_id) DO UPDATE SET policy_name = excluded.policy_name, compliant = excluded.compliant, in_grace = excluded.in_grace, ' +
            'overdue = excluded.overdue, exempt = excluded.exempt, taken_at = excluded.taken_at',
          [r.day, r.policyId, r.policyName, r.compliant, r.inGrace, r.overdue, r.exempt, r.takenAt.getTime()],
        );
      }
    });
  }

  snapshotsSince(day: string): Promise<SnapshotRow[]> {
    return this.db.raw<SnapshotRow>(
      this.db.manager,
      'SELECT day, policy_id, policy_name, compliant, in_grace, overdue, exempt FROM adoption_snapshots WHERE day >= ? ORDER BY policy_id, day',
      [day],
    );
  }

  eventCountsSince(day: string): Promise<EventCountRow[]> {
    return eventCountsSince((sql, params) => this.db.raw(this.db.manager, sql, params), day);
  }
}
