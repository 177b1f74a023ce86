import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Admin,
  AdminRole,
  AdminToken,
  AdminTokenCreated,
  CompleteSetupRequest,
  CreateAdminTokenRequest,
  LoginRequest,
  TokenPrefixes,
} from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { hashPresentedSecret, issueSecret } from '../common/secret-tokens';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { randomToken, safeEqual, sha256Hex } from '../crypto/primitives';
import { Db } from '../database/db';
import { IsNull } from 'typeorm';
import { AdminEntity, AdminSessionEntity, AdminTokenEntity, FactorEntity, SetupTokenEntity } from '../database/entities';
import { AuditService } from '../audit/audit.service';
import { AdminAuthRepository } from './admin-auth.repository';
import { hashPassword, verifyPassword } from './passwords';

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface IssuedSession {
  /** The cookie value. Never stored; the database keeps its SHA-256. */
  token: string;
  session: AdminSessionEntity;
  admin: AdminEntity;
  csrfToken: string;
}

export interface AuthenticatedSession {
  session: AdminSessionEntity;
  admin: AdminEntity;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * The owner's account and admin access: the one-time setup link, password sign-in, server-side sessions
 * with idle and absolute timeouts, CSRF tokens bound to the session, and personal admin API tokens.
 */
@Injectable()
export class AdminAuthService {
  private readonly logger = new Logger('AdminAuth');

  constructor(
    private readonly db: Db,
    private readonly repo: AdminAuthRepository,
    private readonly clock: Clock,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ownerExists(): Promise<boolean> {
    return (await this.repo.countAdmins()) > 0;
  }

  /** A new one-time setup link. Links already issued stay valid until used or expired. */
  async issueSetupLink(): Promise<{ url: string; expiresAt: Date }> {
    const token = randomToken(32);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.setupTokenTtlMinutes * 60_000);
    const row = Object.assign(new SetupTokenEntity(), { id: newId(), tokenHash: sha256Hex(token), createdAt: now, expiresAt, usedAt: null });
    await this.db.write((m) => this.repo.insertSetupToken(m, row));
    // The token travels in the fragment, which browsers never send to servers or in Referer headers.
    return { url: `${this.config.publicUrl}/admin/setup#token=${token}`, expiresAt };
  }

  /** Creates the owner account with a setup token; exactly one setup can ever succeed. */
  async completeSetup(input: CompleteSetupRequest, client: ClientInfo): Promise<IssuedSession> {
    if (await this.ownerExists()) throw new AppException(409, 'setup_already_done');
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();
    const admin: AdminEntity = Object.assign(new AdminEntity(), {
      id: newId(),
      email: normaliseEmail(input.email),
      displayName: input.displayName,
      passwordHash,
      role: 'owner' as AdminRole,
      createdAt: now,
      lastLoginAt: now,
    });
    const session = this.newSession(admin.id, client, now);
    await this.db.write(async (m) => {
      if (!(await this.repo.consumeSetupToken(m, sha256Hex(input.token), now))) {
        throw new AppException(400, 'setup_token_invalid');
      }
      if ((await this.repo.countAdmins(m)) > 0 || !(await this.repo.claimOwnerSlot(m, admin.id, now))) {
        throw new AppException(409, 'setup_already_done');
      }
      await this.repo.insertAdmin(m, admin);
      await this.repo.insertSession(m, session.session);
    });
    this.logger.log(`Owner account created for admin ${admin.id}`);
    return { ...session, admin };
  }

  async login(input: LoginRequest, client: ClientInfo): Promise<IssuedSession> {
    const admin = await this.repo.findAdminByEmail(normaliseEmail(input.email));
    const ok = await verifyPassword(admin?.passwordHash ?? null, input.password);
    if (!admin || !ok) throw new AppException(401, 'invalid_credentials');
    const now = this.clock.now();
    const session = this.newSession(admin.id, client, now);
    await this.db.write(async (m) => {
      await this.repo.insertSession(m, session.session);
      await this.repo.updateAdmin(m, admin.id, { lastLoginAt: now });
    });
    return { ...session, admin };
  }

  /** The live session a cookie value belongs to, or null (unknown, revoked, idle too long, too old). */
  async authenticateSession(token: string | undefined): Promise<AuthenticatedSession | null> {
    if (!token || token.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const session = await this.repo.findSessionByTokenHash(sha256Hex(token));
    if (!session) return null;
    const now = this.clock.now().getTime();
    const idleLimit = session.lastSeenAt.getTime() + this.config.adminSession.idleMinutes * 60_000;
    if (now >= session.expiresAt.getTime() || now >= idleLimit) return null;
    const admin = await this.repo.findAdmin(session.adminId);
    if (!admin) return null;
    if (now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      const at = new Date(now);
      await this.db.write((m) => this.repo.touchSession(m, session.id, at));
      session.lastSeenAt = at;
    }
    return { session, admin };
  }

  csrfTokenFor(sessionId: string): string {
    return this.crypto.sign('admin-csrf', sessionId);
  }

  checkCsrf(sessionId: string, presented: string | undefined): boolean {
    return typeof presented === 'string' && safeEqual(this.csrfTokenFor(sessionId), presented);
  }

  /** After the second factor: the old session ends and a new one (new id, new cookie) is marked verified. */
  async elevate(sessionId: string): Promise<IssuedSession> {
    const now = this.clock.now();
    return this.db.write(async (m) => {
      const old = await m.findOneByOrFail(AdminSessionEntity, { id: sessionId });
      const admin = await m.findOneByOrFail(AdminEntity, { id: old.adminId });
      await this.repo.revokeSession(m, sessionId, now);
      const issued = this.newSession(admin.id, { ip: old.ip ?? '', userAgent: old.userAgent ?? undefined }, now);
      issued.session.mfaVerifiedAt = now;
      issued.session.expiresAt = old.expiresAt;
      await this.repo.insertSession(m, issued.session);
      return { ...issued, admin };
    });
  }

  async sessionOrToken(principal: { adminId: string }): Promise<{ admin: AdminEntity }> {
    const admin = await this.repo.findAdmin(principal.adminId);
    if (!admin) throw AppException.unauthenticated();
    return { admin };
  }

  /**
   * The way back for an admin who lost every second factor: run on the Latchkey machine (CLI). Removes
   * their factors and ends their sessions; the next sign-in asks them to enrol again.
   */
  async resetMfa(email: string): Promise<boolean> {
    const admin = await this.repo.findAdminByEmail(normaliseEmail(email));
    if (!admin) return false;
    const now = this.clock.now();
    await this.db.write(async (m) => {
      await m.delete(FactorEntity, { adminId: admin.id });
      await m.update(AdminSessionEntity, { adminId: admin.id, revokedAt: IsNull() }, { revokedAt: now });
      await this.audit.record({ type: 'admin.mfa_reset', outcome: 'success', adminId: admin.id, details: { via: 'cli' } }, m);
    });
    return true;
  }

  async logout(sessionId: string): Promise<void> {
    await this.db.write((m) => this.repo.revokeSession(m, sessionId, this.clock.now()));
  }

  sessionExpiry(session: AdminSessionEntity): Date {
    const idle = session.lastSeenAt.getTime() + this.config.adminSession.idleMinutes * 60_000;
    return new Date(Math.min(idle, session.expiresAt.getTime()));
  }

  async createToken(adminId: string, input: CreateAdminTokenRequest): Promise<AdminTokenCreated> {
    const now = this.clock.now();
    const secret = issueSecret(TokenPrefixes.adminToken);
    const row: AdminTokenEntity = Object.assign(new AdminTokenEntity(), {
      id: newId(),
      adminId,
      name: input.name,
      tokenHash: secret.hash,
      prefix: secret.displayPrefix,
      createdAt: now,
      lastUsedAt: null,
      expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
      revokedAt: null,
    });
    await this.db.write((m) => this.repo.insertToken(m, row));
    return { token: toAdminToken(row), secret: secret.secret };
  }

  async listTokens(adminId: string): Promise<AdminToken[]> {
    return (await this.repo.listTokens(adminId)).map(toAdminToken);
  }

  async revokeToken(adminId: string, tokenId: string): Promise<void> {
    const revoked = await this.db.write((m) => this.repo.revokeToken(m, adminId, tokenId, this.clock.now()));
    if (!revoked) throw AppException.notFound('token_not_found');
  }

  async authenticateToken(presented: string | null): Promise<{ token: AdminTokenEntity; admin: AdminEntity } | null> {
    const hash = hashPresentedSecret(TokenPrefixes.adminToken, presented);
    if (!hash) return null;
    const token = await this.repo.findTokenByHash(hash);
    const now = this.clock.now();
    if (!token || (token.expiresAt && token.expiresAt <= now)) return null;
    const admin = await this.repo.findAdmin(token.adminId);
    if (!admin) return null;
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
      await this.db.write((m) => this.repo.touchToken(m, token.id, now));
    }
    return { token, admin };
  }

  /** A new password-only session (not stored: the caller inserts it in its own transaction). */
  newSession(adminId: string, client: ClientInfo, now: Date): Omit<IssuedSession, 'admin'> {
    const token = randomToken(32);
    const session: AdminSessionEntity = Object.assign(new AdminSessionEntity(), {
      id: newId(),
      adminId,
      tokenHash: sha256Hex(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.adminSession.maxHours * 3_600_000),
      revokedAt: null,
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      mfaVerifiedAt: null,
    });
    return { token, session, csrfToken: this.csrfTokenFor(session.id) };
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toAdmin(a: AdminEntity): Admin {
  return { id: a.id, email: a.email, displayName: a.displayName, role: a.role, createdAt: iso(a.createdAt) };
}

function toAdminToken(t: AdminTokenEntity): AdminToken {
  return { id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.createdAt), lastUsedAt: isoOrNull(t.lastUsedAt), expiresAt: isoOrNull(t.expiresAt) };
}
