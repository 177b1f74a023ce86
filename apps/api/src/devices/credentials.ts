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
  return db.exec(m, 'UPDATE member_devices SET revoked_at = ?, revoked_reason = ? WHERE member_id = ? AND revoked_at IS NULL', [now.getTime(), reason, memberId]);
}
