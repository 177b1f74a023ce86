import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../database/db';
import { ReminderEntity, ReminderSettingsEntity } from '../database/audit-entities';
import { chunks } from '../directory/directory.repository';

/** After this many failed sends a reminder is given up (status `failed`). */
export const MAX_ATTEMPTS = 24;

export interface MemberContact {
  id: string;
  server_id: string;
  external_id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  /** A confirmed e-mail factor's address, when the directory has none. */
  factor_email: string | null;
  server_name: string;
}

export interface ExpiringExemption {
  id: string;
  member_id: string;
  reason: string;
  expires_at: string | number;
  username: string;
  display_name: string | null;
  server_name: string;
  policy_name: string | null;
}

export interface AdminContact {
  id: string;
  email: string;
  display_name: string;
}

/** Reminder rows (one per e-mail, claimed before sending), the owner's settings, and who to write to. */
@Injectable()
export class RemindersRepository {
  constructor(private readonly db: Db) {}

  settings(): Promise<ReminderSettingsEntity | null> {
    return this.db.manager.findOneBy(ReminderSettingsEntity, { id: 'default' });
  }

  async saveSettings(row: ReminderSettingsEntity, m: EntityManager): Promise<void> {
    await m.upsert(ReminderSettingsEntity, row, ['id']);
  }

  ownerName(): Promise<string | null> {
    return this.db
      .raw<{ display_name: string }>(this.db.manager, "SELECT display_name FROM admins WHERE role = 'owner' ORDER BY created_at LIMIT 1")
      .then((r) => r[0]?.display_name ?? null);
  }

  async contacts(memberIds: string[]): Promise<MemberContact[]> {
    const out: MemberContact[] = [];
    for (const chunk of chunks(memberIds, 500)) {
      if (!chunk.length) continue;
      out.push(
        ...(await this.db.raw<MemberContact>(
          this.db.manager,
          'SELECT m.id, m.server_id, m.external_id, m.username, m.display_name, m.email, s.name AS server_name, ' +
            "(SELECT MIN(f.email) FROM factors f WHERE f.member_id = m.id AND f.kind = 'email' AND f.status = 'active') AS factor_email " +
            `FROM members m JOIN servers s ON s.id = m.server_id WHERE m.removed_at IS NULL AND m.id IN (${chunk.map(() => '?').join(', ')})`,
          chunk,
        )),
      );
    }
    return out;
  }

  /** Status of the reminders with these keys that exist already. */
  async statuses(keys: string[]): Promise<Map<string, ReminderEntity['status']>> {
    const out = new Map<string, ReminderEntity['status']>();
    for (const chunk of chunks(keys, 500)) {
      if (!chunk.length) continue;
      const rows = await this.db.raw<{ dedupe_key: string; status: ReminderEntity['status'] }>(
        this.db.manager,
        `SELECT dedupe_key, status FROM reminders WHERE dedupe_key IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) out.set(r.dedupe_key, r.status);
    }
    return out;
  }

  /**
   * Inserts the reminder if its key is new, then claims it for sending with a conditional update: its id
   * for exactly one caller (null for the others), and never again once it was sent (or while another caller is sending it).
   */
  claim(row: ReminderEntity): Promise<string | null> {
    return this.db.write(async (m) => {
      await m.createQueryBuilder().insert().into(ReminderEntity).values(row).orIgnore().execute();
      const n = await this.db.exec(m, "UPDATE reminders SET status = 'sending', attempts = attempts + 1 WHERE dedupe_key = ? AND status = 'pending' AND attempts < ?", [row.dedupeKey, MAX_ATTEMPTS]);
      if (n !== 1) return null;
      return (await this.db.raw<{ id: string }>(m, 'SELECT id FROM reminders WHERE dedupe_key = ?', [row.dedupeKey]))[0]?.id ?? null;
    });
  }

  async markSent(m: EntityManager, key: string, at: Date): Promise<void> {
    await this.db.exec(m, "UPDATE reminders SET status = 'sent', sent_at = ?, last_error = NULL WHERE dedupe_key = ? AND status = 'sending'", [at.getTime(), key]);
  }

  /** Back to `pending` for a later tick, or `failed` after the last attempt. */
  async markFailed(m: EntityManager, key: string, error: string): Promise<void> {
    await this.db.exec(m, "UPDATE reminders SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END, last_error = ? WHERE dedupe_key = ? AND status = 'sending'", [
      MAX_ATTEMPTS,
      error.slice(0, 500),
      key,
    ]);
  }

  expiringExemptions(after: Date, until: Date): Promise<ExpiringExemption[]> {
    return this.db.raw<ExpiringExemption>(
      this.db.manager,
      'SELECT e.id, e.member_id, e.reason, e.expires_at, m.username, m.display_name, s.name AS server_name, p.name AS policy_name ' +
        'FROM exemptions e JOIN members m ON m.id = e.member_id JOIN servers s ON s.id = m.server_id LEFT JOIN policies p ON p.id = e.policy_id ' +
        'WHERE e.revoked_at IS NULL AND e.expires_at IS NOT NULL AND e.expires_at > ? AND e.expires_at <= ? AND m.removed_at IS NULL ' +
        'ORDER BY e.expires_at, e.id',
      [after.getTime(), until.getTime()],
    );
  }

  /** Owners and admins: they manage exemptions. */
  exemptionManagers(): Promise<AdminContact[]> {
    return this.db.raw<AdminContact>(this.db.manager, "SELECT id, email, display_name FROM admins WHERE role IN ('owner', 'admin') ORDER BY created_at, id");
  }
}
