import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Db } from '../database/db';
import { NotificationChannelEntity, NotificationDeliveryEntity } from './notifications.entities';

/** A delivery a worker has claimed. */
export interface ClaimedDelivery {
  id: string;
  channelId: string;
  eventId: string;
  eventType: string;
  payload: string;
  /** Including this one. */
  attempts: number;
}

interface ClaimedRow {
  id: string;
  channel_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  attempts: number | string;
}

export type DeliveryOutcome =
  | { status: 'delivered'; at: Date; lastStatus: number | null }
  | { status: 'pending'; at: Date; nextAttemptAt: Date; lastStatus: number | null; lastError: string }
  | { status: 'failed'; at: Date; lastStatus: number | null; lastError: string };

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  listChannels(m: EntityManager = this.db.manager): Promise<NotificationChannelEntity[]> {
    return m.find(NotificationChannelEntity, { order: { createdAt: 'ASC' } });
  }

  findChannel(id: string, m: EntityManager = this.db.manager): Promise<NotificationChannelEntity | null> {
    return m.findOneBy(NotificationChannelEntity, { id });
  }

  channelsByIds(ids: string[]): Promise<NotificationChannelEntity[]> {
    return ids.length ? this.db.manager.findBy(NotificationChannelEntity, { id: In(ids) }) : Promise.resolve([]);
  }

  async enabledChannelsFor(type: string, m: EntityManager): Promise<NotificationChannelEntity[]> {
    const rows = await m.findBy(NotificationChannelEntity, { enabled: true });
    return rows.filter((c) => c.events.includes(type));
  }

  async insertDeliveries(m: EntityManager, rows: NotificationDeliveryEntity[]): Promise<void> {
    if (rows.length) await m.insert(NotificationDeliveryEntity, rows);
  }

  /**
   * Claims up to `limit` due deliveries for `token` until `leaseUntil`, atomically: the UPDATE only
   * takes rows nobody holds (`claimed_until < now`), so of several workers racing for a row exactly one
   * gets it (PostgreSQL re-checks the condition on the locked row; SQLite has one writer at a time).
   */
  async claimDue(m: EntityManager, now: Date, leaseUntil: Date, token: string, limit: number): Promise<ClaimedDelivery[]> {
    const t = now.getTime();
    const due = `SELECT id AS due_id FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND claimed_until < ? ORDER BY next_attempt_at LIMIT ?`;
    const set = 'SET claimed_until = ?, claim_token = ?, attempts = attempts + 1, updated_at = ?';
    const returning = 'RETURNING id, channel_id, event_id, event_type, payload, attempts';
    // PostgreSQL: the due rows are picked and locked once, in a CTE (an `IN (… LIMIT n FOR UPDATE SKIP
    // LOCKED)` subquery may be rescanned and take more than n); rows another worker holds are skipped.
    const rows =
      this.db.kind === 'postgres'
        ? await this.db.raw<ClaimedRow>(
            m,
            `WITH due AS (${due} FOR UPDATE SKIP LOCKED)
             UPDATE notification_deliveries ${set} FROM due
             WHERE id = due.due_id AND status = 'pending' AND claimed_until < ? ${returning}`,
            [t, t, limit, leaseUntil.getTime(), token, t, t],
          )
        : await this.db.raw<ClaimedRow>(m, `UPDATE notification_deliveries ${set} WHERE id IN (${due}) AND status = 'pending' AND claimed_until < ? ${returning}`, [
            leaseUntil.getTime(),
            token,
            t,
            t,
            t,
            limit,
            t,
          ]);
    // node-postgres answers an UPDATE … RETURNING with [rows, count].
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as ClaimedRow[];
    return list.map((r) => ({ id: r.id, channelId: r.channel_id, eventId: r.event_id, eventType: r.event_type, payload: r.payload, attempts: Number(r.attempts) }));
  }

  /** Records an attempt's outcome if `token` still holds the row; false when the claim was lost. */
  async recordOutcome(m: EntityManager, id: string, token: string, o: DeliveryOutcome): Promise<boolean> {
    const changed = await this.db.exec(
      m,
      `UPDATE notification_deliveries SET status = ?, claimed_until = 0, claim_token = NULL, updated_at = ?, last_status = ?,
         last_error = ?, next_attempt_at = ?, delivered_at = ?
       WHERE id = ? AND claim_token = ?`,
      [
        o.status,
        o.at.getTime(),
        o.lastStatus,
        o.status === 'delivered' ? null : o.lastError,
        o.status === 'pending' ? o.nextAttemptAt.getTime() : o.at.getTime(),
        o.status === 'delivered' ? o.at.getTime() : null,
        id,
        token,
      ],
    );
    return changed === 1;
  }

  listDeliveries(filter: { channelId?: string; status?: string; limit: number }): Promise<NotificationDeliveryEntity[]> {
    return this.db.manager.find(NotificationDeliveryEntity, {
      where: { ...(filter.channelId ? { channelId: filter.channelId } : {}), ...(filter.status ? { status: filter.status as NotificationDeliveryEntity['status'] } : {}) },
      order: { createdAt: 'DESC' },
      take: filter.limit,
    });
  }

  /** Forgets finished deliveries last touched before `before` (the audit log keeps their outcomes). */
  async pruneFinished(m: EntityManager, before: Date): Promise<number> {
    return this.db.exec(m, `DELETE FROM notification_deliveries WHERE status <> 'pending' AND updated_at < ?`, [before.getTime()]);
  }
}
