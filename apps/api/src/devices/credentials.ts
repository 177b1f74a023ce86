import type { EntityManager } from 'typeorm';
import type { Db } from '../database/db';

/**
 * A member's credentials changed (a factor removed or replaced, "sign out everywhere", "I lost my phone",
 * an owner's reset): every remembered and paired device stops counting, at once and for good. Raising the
 * member's credential version makes any token minted before useless even if a revocation were missed; the
 * rows are marked revoked so the member, the owner and the servers' revocation feed see why.
 * Runs inside the caller's transaction.
 */
export async function credentialsChanged(db: Db, m: EntityManager, memberId: string, reason: string, now: Date): Promise<number> {
  await db.exec(m, 'UPDATE members SET credential_version = credential_version + 1 WHERE id = ?', [memberId]);
  return revokeDevices(db, m, 'member_id = ?', [memberId], reason, now);
}

/** Serialises revocations across PostgreSQL instances (SQLite writes are already serial). */
const REVOCATION_LOCK = 7_271_043_003;

/**
 * Marks the devices matching `where` revoked, at an instant strictly after every earlier revocation. The
 * servers' revocation feed pages by (revoked_at, id): were a later revocation stamped with the same
 * millisecond as the feed's cursor and a smaller id, a server that had already polled would skip it for
 * good. Rows revoked by one statement share their instant (a poll sees all of them or none); on PostgreSQL
 * a transaction lock makes commit order follow that instant. Runs inside the caller's transaction.
 */
export async function revokeDevices(db: Db, m: EntityManager, where: string, params: unknown[], reason: string, now: Date): Promise<number> {
  if (db.kind === 'postgres') await m.query('SELECT pg_advisory_xact_lock($1)', [REVOCATION_LOCK]);
  const [last] = await db.raw<{ at: number | string | null }>(m, 'SELECT MAX(revoked_at) AS at FROM member_devices');
  const at = Math.max(now.getTime(), Number(last?.at ?? 0) + 1);
  return db.exec(m, `UPDATE member_devices SET revoked_at = ?, revoked_reason = ? WHERE ${where} AND revoked_at IS NULL`, [at, reason, ...params]);
}
