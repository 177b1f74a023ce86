import { Inject, Injectable } from '@nestjs/common';
import type { AcceptInviteRequest, AdminInvite, AdminInviteCreated, AdminRole, AdminTeam, InviteAdminRequest, TeamAdmin } from '@latchkey/contracts';
import { AdminAuthService, ClientInfo, IssuedSession, normaliseEmail } from '../admin-auth/admin-auth.service';
import { hashPassword } from '../admin-auth/passwords';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { randomToken, sha256Hex } from '../crypto/primitives';
import { AdminInviteEntity } from '../database/console-entities';
import { Db } from '../database/db';
import { AdminEntity, AdminSessionEntity } from '../database/entities';
import { AdminsRepository } from './admins.repository';

/** How long an invitation link stays valid. */
export const INVITE_TTL_HOURS = 72;

/**
 * The admin team: owners invite admins and viewers (or other owners) through single-use links, change
 * their roles and remove them; there is always at least one owner. Every change is audited with the
 * acting admin and before/after.
 */
@Injectable()
export class AdminsService {
  constructor(
    private readonly db: Db,
    private readonly repo: AdminsRepository,
    private readonly auth: AdminAuthService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async team(): Promise<AdminTeam> {
    const [admins, enrolled, invites] = await Promise.all([this.repo.listAdmins(), this.repo.withSecondFactor(), this.repo.pendingInvites(this.clock.now())]);
    return { admins: admins.map((a) => toTeamAdmin(a, enrolled.has(a.id))), invites: invites.map(toInvite) };
  }

  /** A new invitation; an earlier pending one to the same address stops working. The link is returned once. */
  async invite(input: InviteAdminRequest, by: string): Promise<AdminInviteCreated> {
    const email = normaliseEmail(input.email);
    const token = randomToken(32);
    const now = this.clock.now();
    const row: AdminInviteEntity = Object.assign(new AdminInviteEntity(), {
      id: newId(),
      email,
      role: input.role,
      tokenHash: sha256Hex(token),
      invitedBy: by,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITE_TTL_HOURS * 3_600_000),
      acceptedAt: null,
      acceptedAdminId: null,
      revokedAt: null,
    });
    await this.db.write(async (m) => {
      if (await this.repo.findAdminByEmail(m, email)) throw new AppException(409, 'conflict', `${email} is already an admin.`);
      const replaced = await this.repo.revokePendingFor(m, email, now);
      await this.repo.insertInvite(m, row);
      await this.audit.record({ type: 'admin.invited', outcome: 'success', adminId: by, details: { inviteId: row.id, replacedInvites: replaced, after: { email, role: row.role, expiresAt: iso(row.expiresAt) } } }, m);
    });
    // Like the setup link, the token travels in the fragment: never sent to a server or in a Referer.
    return { invite: toInvite(row), url: `${this.config.publicUrl}/admin/invite#token=${token}` };
  }

  async revokeInvite(id: string, by: string): Promise<void> {
    await this.db.write(async (m) => {
      if (!(await this.repo.revokeInvite(m, id, this.clock.now()))) throw AppException.notFound('invite_not_found');
      const row = await this.repo.findInvite(m, id);
      await this.audit.record({ type: 'admin.invite_revoked', outcome: 'success', adminId: by, details: { inviteId: id, before: { email: row?.email, role: row?.role } } }, m);
    });
  }

  /**
   * Creates the invited admin from a pending invitation (spent exactly once) and starts a password-only
   * session: like the owner after setup, they must enrol a second factor before the console opens.
   */
  async accept(input: AcceptInviteRequest, client: ClientInfo): Promise<IssuedSession> {
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();
    return this.db.write(async (m) => {
      const invite = await this.repo.consumeInvite(m, sha256Hex(input.token), now);
      if (!invite) throw new AppException(400, 'invite_invalid');
      if (await this.repo.findAdminByEmail(m, invite.email)) throw new AppException(409, 'conflict', `${invite.email} is already an admin: sign in instead.`);
      const admin: AdminEntity = Object.assign(new AdminEntity(), {
        id: newId(),
        email: invite.email,
        displayName: input.displayName,
        passwordHash,
        role: invite.role,
        createdAt: now,
        lastLoginAt: now,
      });
      const session = this.auth.newSession(admin.id, client, now);
      await m.insert(AdminEntity, admin);
      await this.repo.markAccepted(m, invite.id, admin.id);
      await m.insert(AdminSessionEntity, session.session);
      await this.audit.record({ type: 'admin.invite_accepted', outcome: 'success', adminId: admin.id, ip: client.ip, details: { inviteId: invite.id, invitedBy: invite.invitedBy, after: { email: admin.email, displayName: admin.displayName, role: admin.role } } }, m);
      return { ...session, admin };
    });
  }

  async changeRole(id: string, role: AdminRole, by: string): Promise<TeamAdmin> {
    const updated = await this.db.write(async (m) => {
      const owners = await this.repo.lockOwners(m);
      const target = await this.repo.findAdmin(m, id);
      if (!target) throw AppException.notFound('admin_not_found');
      if (target.role === role) return target;
      if (target.role === 'owner' && owners.length <= 1) throw new AppException(409, 'last_owner');
      await this.repo.setRole(m, id, role);
      await this.audit.record({ type: 'admin.role_changed', outcome: 'success', adminId: by, details: { targetAdminId: id, email: target.email, before: { role: target.role }, after: { role } } }, m);
      return Object.assign(new AdminEntity(), target, { role });
    });
    return toTeamAdmin(updated, (await this.repo.withSecondFactor()).has(id));
  }

  /** Removes an admin: their sessions and API tokens end at once. Never the last owner. */
  async remove(id: string, by: string): Promise<void> {
    await this.db.write(async (m) => {
      const owners = await this.repo.lockOwners(m);
      const target = await this.repo.findAdmin(m, id);
      if (!target) throw AppException.notFound('admin_not_found');
      if (target.role === 'owner' && owners.length <= 1) throw new AppException(409, 'last_owner');
      await this.repo.deleteAdmin(m, id);
      await this.audit.record({ type: 'admin.removed', outcome: 'success', adminId: by, details: { targetAdminId: id, before: { email: target.email, displayName: target.displayName, role: target.role } } }, m);
    });
  }
}

function toInvite(r: AdminInviteEntity): AdminInvite {
  return { id: r.id, email: r.email, role: r.role, invitedBy: r.invitedBy, createdAt: iso(r.createdAt), expiresAt: iso(r.expiresAt) };
}

function toTeamAdmin(a: AdminEntity, secondFactor: boolean): TeamAdmin {
  return { id: a.id, email: a.email, displayName: a.displayName, role: a.role, createdAt: iso(a.createdAt), lastLoginAt: isoOrNull(a.lastLoginAt), secondFactor };
}
