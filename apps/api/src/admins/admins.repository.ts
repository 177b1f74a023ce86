import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, MoreThan } from 'typeorm';
import { Db } from '../database/db';
import { AdminInviteEntity } from '../database/console-entities';
import { AdminEntity } from '../database/entities';

/** Queries for the admin team: admins, their second factors, invitations. */
@Injectable()
export class AdminsRepository {
  constructor(private readonly db: Db) {}

  listAdmins(): Promise<AdminEntity[]> {
    return this.db.manager.find(AdminEntity, { order: { createdAt: 'ASC' } });
  }

  /** Ids of admins with an active authenticator app or passkey. */
  async withSecondFactor(): Promise<Set<string>> {
    const rows = await this.db.raw<{ admin_id: string }>(this.db.manager, "SELECT DISTINCT admin_id FROM factors WHERE admin_id IS NOT NULL AND status = 'active' AND kind IN ('totp', 'passkey')");
    return new Set(rows.map((r) => r.admin_id));
  }

  pendingInvites(now: Date): Promise<AdminInviteEntity[]> {
    return this.db.manager.find(AdminInviteEntity, { where: { acceptedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(now) }, order: { createdAt: 'ASC' } });
  }

  insertInvite(m: EntityManager, row: AdminInviteEntity): Promise<unknown> {
    return m.insert(AdminInviteEntity, row);
  }

  /** Revokes the pending invitations to an address (a newer one replaces them); returns how many. */
  revokePendingFor(m: EntityManager, email: string, now: Date): Promise<number> {
    return this.db.exec(m, 'UPDATE admin_invites SET revoked_at = ? WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL', [now.getTime(), email]);
  }

  /** Revokes one pending invitation; true when this call did. */
  async revokeInvite(m: EntityManager, id: string, now: Date): Promise<boolean> {
    return (await this.db.exec(m, 'UPDATE admin_invites SET revoked_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?', [now.getTime(), id, now.getTime()])) === 1;
  }

  findInvite(m: EntityManager, id: string): Promise<AdminInviteEntity | null> {
    return m.findOneBy(AdminInviteEntity, { id });
  }

  /** Spends an invitation if it is pending and unexpired: one conditional update, so it is accepted at most once. */
  async consumeInvite(m: EntityManager, tokenHash: string, now: Date): Promise<AdminInviteEntity | null> {
    const changed = await this.db.exec(m, 'UPDATE admin_invites SET accepted_at = ? WHERE token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?', [now.getTime(), tokenHash, now.getTime()]);
    return changed === 1 ? m.findOneBy(AdminInviteEntity, { tokenHash }) : null;
  }

  markAccepted(m: EntityManager, inviteId: string, adminId: string): Promise<unknown> {
    return m.update(AdminInviteEntity, { id: inviteId }, { acceptedAdminId: adminId });
  }

  findAdmin(m: EntityManager, id: string): Promise<AdminEntity | null> {
    return m.findOneBy(AdminEntity, { id });
  }

  findAdminByEmail(m: EntityManager, email: string): Promise<AdminEntity | null> {
    return m.findOneBy(AdminEntity, { email });
  }

  /**
   * The owners' ids, locked for the rest of the transaction on PostgreSQL (SQLite transactions are
   * already serial): two owners demoting each other at once cannot both succeed.
   */
  async lockOwners(m: EntityManager): Promise<string[]> {
    const rows = await this.db.raw<{ id: string }>(m, `SELECT id FROM admins WHERE role = 'owner'${this.db.kind === 'postgres' ? ' FOR UPDATE' : ''}`);
    return rows.map((r) => r.id);
  }

  setRole(m: EntityManager, id: string, role: AdminEntity['role']): Promise<unknown> {
    return m.update(AdminEntity, { id }, { role });
  }

  /** Deletes the admin; their sessions, API tokens and factors go with them (foreign keys cascade). */
  deleteAdmin(m: EntityManager, id: string): Promise<unknown> {
    return m.delete(AdminEntity, { id });
  }
}
