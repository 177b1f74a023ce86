import { Inject, Injectable } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import type { ForwardAuthSignInInfo, PasswordSignInRequest } from '@latchkey/contracts';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import type { MemberPrincipal } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { randomToken, sha256Hex } from '../crypto/primitives';
import { Db } from '../database/db';
import { MemberEntity, MemberSessionEntity } from '../database/entities';
import { FactorsService } from '../factors/factors.service';
import { PasskeysService } from '../factors/passkeys.service';
import { MemberSessionsService } from '../portal/member-sessions.service';
import { ThrottleService } from '../verification/throttle.service';
import { VerificationService } from '../verification/verification.service';
import { ForwardAuthService, ProtectedHost } from './forward-auth.service';
import { MediaServerPasswords, userIdForms } from './media-server-passwords';

const SESSION_MAX_MS = 12 * 3_600_000;
const FIFTEEN_MIN = 15 * 60_000;

export interface Client {
  ip: string;
  userAgent?: string;
}

export interface OpenedSession {
  token: string;
  session: MemberSessionEntity;
}

/**
 * Signing in at Latchkey for a host behind forward-auth, without a link from the media server: with a
 * passkey that verifies its user (multi-factor on its own), or with the media-server password — checked
 * by the media server — followed by a second factor. Only a complete sign-in opens the forward-auth
 * session the proxy accepts.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly forwardAuth: ForwardAuthService,
    private readonly passwords: MediaServerPasswords,
    private readonly passkeys: PasskeysService,
    private readonly verification: VerificationService,
    private readonly factors: FactorsService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly sessions: MemberSessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async info(rd: string): Promise<ForwardAuthSignInInfo> {
    const target = await this.target(rd);
    return { server: { name: target.host.name, kind: target.host.kind }, password: this.passwords.supports(target.host.kind), returnTo: target.url.href };
  }

  /**
   * Step one with a password: the media server checks it; a member-pages session (cookie) opens, and with it
   * a challenge for the second factor, answered on the member pages' API.
   */
  async password(req: PasswordSignInRequest, client: Client): Promise<OpenedSession & { challenge: Awaited<ReturnType<VerificationService['create']>> | null; csrfToken: string }> {
    const { host } = await this.target(req.rd);
    if (!this.passwords.supports(host.kind)) throw new AppException(400, 'factor_unavailable', `${host.name} cannot check passwords for Latchkey. Sign in with a passkey.`);
    const userKey = `proxy-password:${host.serverId}:${req.username.toLowerCase()}`;
    const lockMs = this.config.verification.lockoutMinutes * 60_000;
    const allowed =
      (await this.throttle.consume(userKey, { max: this.config.verification.lockoutThreshold, windowMs: 86_400_000, lockMs })) &&
      (await this.throttle.consume(`proxy-password:ip:${client.ip}`, { max: this.config.verification.ipAttemptsPer15Min, windowMs: FIFTEEN_MIN }));
    // A lockout looks exactly like a wrong password.
    if (!allowed) return this.wrongPassword(host, client, 'rate limited');
    const user = await this.passwords.check(host, req.username, req.password);
    if (!user) return this.wrongPassword(host, client, 'wrong password');
    await this.throttle.reset(userKey);
    const member = await this.db.manager.findOneBy(MemberEntity, { serverId: host.serverId, externalId: In(userIdForms(user.id)), removedAt: IsNull() });
    if (!member) {
      await this.audit.record({ type: 'proxy_sign_in.password', outcome: 'denied', ip: client.ip, details: { serverId: host.serverId, reason: 'not in the directory' } });
      throw new AppException(403, 'forbidden', `Your ${host.name} account is not known to Latchkey yet. Ask the owner of ${host.name} to sync its users.`);
    }
    const opened = await this.open(member.id, client, null, 'password');
    const subject = { kind: 'member' as const, id: member.id };
    const challenge = (await this.factors.hasAnyActive(subject)) ? await this.verification.create(subject, 'step_up', { sessionId: opened.session.id, ip: client.ip }) : null;
    return { ...opened, challenge, csrfToken: this.sessions.csrfTokenFor(opened.session.id) };
  }

  /** Step two: the member-pages session passed its second factor (or the member has none yet): open the proxy session. */
  async complete(me: MemberPrincipal, rd: string, client: Client): Promise<OpenedSession & { returnTo: string }> {
    const { url, host } = await this.target(rd);
    const member = await this.db.manager.findOneBy(MemberEntity, { id: me.memberId, removedAt: IsNull() });
    if (!member || member.serverId !== host.serverId) throw AppException.forbidden(`This account is not one of ${host.name}'s.`);
    const current = await this.db.manager.findOneBy(MemberSessionEntity, { id: me.sessionId });
    const verifiedAt = me.recentlyVerified ? (current?.verifiedAt ?? null) : null;
    if (!verifiedAt && (await this.factors.hasAnyActive({ kind: 'member', id: member.id }))) throw new AppException(403, 'verification_required');
    return { ...(await this.open(member.id, client, verifiedAt, 'password')), returnTo: url.href };
  }

  async passkeyOptions(rd: string): Promise<Record<string, unknown>> {
    await this.target(rd);
    return this.passkeys.signInOptions();
  }

  async passkey(rd: string, response: Record<string, unknown>, client: Client): Promise<OpenedSession & { returnTo: string }> {
    const { url, host } = await this.target(rd);
    const failed = new AppException(400, 'verification_failed');
    if (!(await this.throttle.consume(`verify:ip:${client.ip}`, { max: this.config.verification.ipAttemptsPer15Min, windowMs: FIFTEEN_MIN }))) throw failed;
    const memberId = await this.passkeys.verifySignIn(response, client.ip);
    const member = memberId ? await this.db.manager.findOneBy(MemberEntity, { id: memberId, removedAt: IsNull() }) : null;
    if (!member || member.serverId !== host.serverId) {
      await this.audit.record({ type: 'proxy_sign_in.passkey', outcome: 'denied', memberId, ip: client.ip, details: { serverId: host.serverId } });
      throw failed;
    }
    return { ...(await this.open(member.id, client, this.clock.now(), 'passkey')), returnTo: url.href };
  }

  private async target(rd: string): Promise<{ url: URL; host: ProtectedHost }> {
    const target = await this.forwardAuth.returnTarget(rd);
    if (!target) throw AppException.validation([{ path: 'rd', message: 'must be a page on a host Latchkey protects' }]);
    return target;
  }

  private async wrongPassword(host: ProtectedHost, client: Client, reason: string): Promise<never> {
    await this.audit.record({ type: 'proxy_sign_in.password', outcome: 'failure', ip: client.ip, details: { serverId: host.serverId, reason } });
    throw new AppException(401, 'invalid_credentials', 'The user name or password is not correct.');
  }

  /** A new member session (a new token, never a reused one), verified at `verifiedAt` if given. */
  private async open(memberId: string, client: Client, verifiedAt: Date | null, via: 'password' | 'passkey'): Promise<OpenedSession> {
    const now = this.clock.now();
    const token = randomToken(32);
    const session = Object.assign(new MemberSessionEntity(), {
      id: newId(),
      memberId,
      tokenHash: sha256Hex(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_MS),
      revokedAt: null,
      verifiedAt,
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
    });
    await this.db.write(async (m) => {
      await m.insert(MemberSessionEntity, session);
      await this.audit.record({ type: 'member_session.start', outcome: 'success', memberId, ip: client.ip, details: { via: `sign_in_${via}`, verified: verifiedAt !== null } }, m);
    });
    return { token, session };
  }
}
