import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { randomToken, safeEqual, sha256Hex } from '../crypto/primitives';
import { Db } from '../database/db';
import { MemberEntity, MemberLinkEntity, MemberSessionEntity, ServerEntity } from '../database/entities';

const LINK_TTL_MS = 15 * 60_000;
const SESSION_IDLE_MS = 30 * 60_000;
const SESSION_MAX_MS = 12 * 3_600_000;
/** A session from a TV code lives no longer than the code could. */
const PAIRING_SESSION_MS = 15 * 60_000;
/** Changing factors needs a verification with an existing factor this recently. */
export const FRESH_VERIFICATION_MS = 10 * 60_000;

export interface MemberSessionInfo {
  session: MemberSessionEntity;
  member: MemberEntity;
}

/**
 * How members reach their pages without Latchkey ever seeing a media-server password: the server's
 * integration mints a short-lived single-use link for a member it has just signed in; the link starts a
 * member session (cookie), separate from the admin console's.
 */
@Injectable()
export class MemberSessionsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `ttlMs`: 15 minutes for links a server hands over at once; longer for links sent by e-mail (reminders). */
  async mintLink(serverId: string, externalId: string, purpose: string, ttlMs = LINK_TTL_MS): Promise<{ url: string; expiresAt: Date }> {
    const member = await this.db.manager.findOneBy(MemberEntity, { serverId, externalId, removedAt: IsNull() });
    if (!member) throw AppException.notFound('member_not_found');
    const token = randomToken(32);
    const now = this.clock.now();
    const row = Object.assign(new MemberLinkEntity(), { id: newId(), memberId: member.id, purpose, tokenHash: sha256Hex(token), createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), usedAt: null });
    await this.db.write((m) => m.insert(MemberLinkEntity, row));
    // In the fragment: never sent to a server, never in a Referer header or an access log.
    return { url: `${this.config.publicUrl}/${purpose === 'manage' ? 'security' : 'enrol'}#link=${token}`, expiresAt: row.expiresAt };
  }

  /** Spends a link and starts a member session. */
  async start(linkToken: string, client: { ip: string; userAgent?: string }): Promise<{ token: string; info: MemberSessionInfo }> {
    const now = this.clock.now();
    const token = randomToken(32);
    const result = await this.db.write(async (m) => {
      const link = await m.findOneBy(MemberLinkEntity, { tokenHash: sha256Hex(linkToken) });
      if (!link) return null;
      const spent = await m
        .createQueryBuilder()
        .update(MemberLinkEntity)
        .set({ usedAt: now })
        .where('id = :id', { id: link.id })
        .andWhere('used_at IS NULL')
        .andWhere('expires_at > :now', { now: now.getTime() })
        .execute();
      if (spent.affected !== 1) return null;
      const member = await m.findOneBy(MemberEntity, { id: link.memberId, removedAt: IsNull() });
      if (!member) return null;
      const session = this.newSession(member.id, token, client, now);
      await m.insert(MemberSessionEntity, session);
      await this.audit.record({ type: 'member_session.start', outcome: 'success', memberId: member.id, ip: client.ip, details: { purpose: link.purpose } }, m);
      return { session, member };
    });
    if (!result) throw new AppException(400, 'link_invalid');
    return { token, info: result };
  }

  /**
   * A session started from a TV code: it can confirm it is the member (with a factor) and answer that one
   * sign-in request, nothing else. Runs in the caller's transaction.
   */
  async openPairingSession(m: EntityManager, memberId: string, challengeId: string, client: { ip: string; userAgent?: string }): Promise<{ token: string; session: MemberSessionEntity }> {
    const now = this.clock.now();
    const token = randomToken(32);
    const session = Object.assign(this.newSession(memberId, token, client, now), { scope: 'pairing' as const, pairingChallengeId: challengeId, expiresAt: new Date(now.getTime() + PAIRING_SESSION_MS) });
    await m.insert(MemberSessionEntity, session);
    return { token, session };
  }

  private newSession(memberId: string, token: string, client: { ip: string; userAgent?: string }, now: Date): MemberSessionEntity {
    return Object.assign(new MemberSessionEntity(), {
      id: newId(),
      memberId,
      tokenHash: sha256Hex(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_MS),
      revokedAt: null,
      verifiedAt: null,
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      scope: 'full' as const,
      pairingChallengeId: null,
    });
  }

  async authenticate(token: string | undefined): Promise<MemberSessionInfo | null> {
    if (!token || token.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const session = await this.db.manager.findOneBy(MemberSessionEntity, { tokenHash: sha256Hex(token), revokedAt: IsNull() });
    if (!session) return null;
    const now = this.clock.now().getTime();
    if (now >= session.expiresAt.getTime() || now >= session.lastSeenAt.getTime() + SESSION_IDLE_MS) return null;
    const member = await this.db.manager.findOneBy(MemberEntity, { id: session.memberId, removedAt: IsNull() });
    if (!member) return null;
    if (now - session.lastSeenAt.getTime() >= 60_000) {
      const at = new Date(now);
      await this.db.write((m) => m.update(MemberSessionEntity, { id: session.id }, { lastSeenAt: at }));
      session.lastSeenAt = at;
    }
    return { session, member };
  }

  /** After a verification: a new session id (and cookie) that remembers when it was verified. */
  async elevate(sessionId: string): Promise<{ token: string; session: MemberSessionEntity }> {
    const now = this.clock.now();
    const token = randomToken(32);
    return this.db.write(async (m) => {
      const old = await m.findOneByOrFail(MemberSessionEntity, { id: sessionId });
      await m.update(MemberSessionEntity, { id: sessionId }, { revokedAt: now });
      const session = Object.assign(new MemberSessionEntity(), { ...old, id: newId(), tokenHash: sha256Hex(token), lastSeenAt: now, verifiedAt: now, revokedAt: null });
      await m.insert(MemberSessionEntity, session);
      return { token, session };
    });
  }

  async end(sessionId: string): Promise<void> {
    await this.db.write((m) => m.update(MemberSessionEntity, { id: sessionId, revokedAt: IsNull() }, { revokedAt: this.clock.now() }));
  }

  recentlyVerified(session: MemberSessionEntity): boolean {
    return !!session.verifiedAt && this.clock.now().getTime() - session.verifiedAt.getTime() < FRESH_VERIFICATION_MS;
  }

  csrfTokenFor(sessionId: string): string {
    return this.crypto.sign('member-csrf', sessionId);
  }

  checkCsrf(sessionId: string, presented: string | undefined): boolean {
    return typeof presented === 'string' && safeEqual(this.csrfTokenFor(sessionId), presented);
  }

  serverName(serverId: string): Promise<string> {
    return this.db.manager.findOneBy(ServerEntity, { id: serverId }).then((s) => s?.name ?? 'your media server');
  }

  /** Who asks members for MFA, as they are told in reminders: the reminders' sender name, else the owner account's name. */
  async ownerName(): Promise<string | null> {
    const rows = await this.db.raw<{ name: string | null }>(
      this.db.manager,
      "SELECT COALESCE((SELECT sender_name FROM reminder_settings WHERE id = 'default'), (SELECT display_name FROM admins WHERE role = 'owner' ORDER BY created_at LIMIT 1)) AS name",
    );
    return rows[0]?.name || null;
  }

  sessionExpiry(session: MemberSessionEntity): Date {
    return new Date(Math.min(session.lastSeenAt.getTime() + SESSION_IDLE_MS, session.expiresAt.getTime()));
  }
}
