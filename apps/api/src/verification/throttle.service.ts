import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Db } from '../database/db';

export interface Limit {
  /** Attempts allowed in the window (or before the lock). */
  max: number;
  windowMs: number;
  /** When set, exceeding `max` locks the key this long; else the window simply runs out. */
  lockMs?: number;
  /** Called once when this attempt is the one that started a lock (never for attempts refused by it). */
  onLock?: () => void;
}

interface Row {
  count: number | string;
  locked_until: number | string | null;
}

/**
 * Attempt budgets, lockouts and rate limits, counted in the database with one atomic upsert per attempt,
 * so they hold under parallel requests and across instances. An attempt is *reserved* before the code is
 * checked: twenty parallel guesses spend twenty attempts, not one.
 */
@Injectable()
export class ThrottleService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Spends one attempt on `key`; false when the key is locked or its budget is spent. */
  async consume(key: string, limit: Limit): Promise<boolean> {
    const now = this.clock.now().getTime();
    return this.db.write(async (m) => {
      const windowStart = now - limit.windowMs;
      const rows = await this.db.raw<Row>(
        m,
        `INSERT INTO throttles (key, count, window_started_at, locked_until) VALUES (?, 1, ?, NULL)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN throttles.locked_until IS NOT NULL AND throttles.locked_until > ? THEN throttles.count
                        WHEN throttles.window_started_at < ? OR (throttles.locked_until IS NOT NULL AND throttles.locked_until <= ?) THEN 1
                        ELSE throttles.count + 1 END,
           window_started_at = CASE WHEN throttles.locked_until IS NOT NULL AND throttles.locked_until > ? THEN throttles.window_started_at
                        WHEN throttles.window_started_at < ? OR (throttles.locked_until IS NOT NULL AND throttles.locked_until <= ?) THEN ?
                        ELSE throttles.window_started_at END,
           locked_until = CASE WHEN throttles.locked_until IS NOT NULL AND throttles.locked_until <= ? THEN NULL ELSE throttles.locked_until END
         RETURNING count, locked_until`,
        [key, now, now, windowStart, now, now, windowStart, now, now, now],
      );
      const row = rows[0];
      if (!row) return false;
      if (row.locked_until !== null && Number(row.locked_until) > now) return false;
      if (Number(row.count) <= limit.max) return true;
      if (limit.lockMs) {
        await this.db.raw(m, 'UPDATE throttles SET locked_until = ? WHERE key = ?', [now + limit.lockMs, key]);
        limit.onLock?.();
      }
      return false;
    });
  }

  /** Whether the key is locked right now (without spending an attempt). */
  async isLocked(key: string): Promise<boolean> {
    const rows = await this.db.raw<Row>(this.db.manager, 'SELECT count, locked_until FROM throttles WHERE key = ?', [key]);
    const row = rows[0];
    return !!row && row.locked_until !== null && Number(row.locked_until) > this.clock.now().getTime();
  }

  /** A success clears the key's count (lockouts count consecutive failures) unless it is locked. */
  async reset(key: string): Promise<void> {
    const now = this.clock.now().getTime();
    await this.db.write((m) => this.db.raw(m, 'UPDATE throttles SET count = 0 WHERE key = ? AND (locked_until IS NULL OR locked_until <= ?)', [key, now]));
  }
}
