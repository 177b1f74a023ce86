import { Inject, Injectable } from '@nestjs/common';
import { Challenge, VerificationMethod, VerifyRequest } from '@latchkey/contracts';
import { verifyPassword } from '../admin-auth/passwords';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Db } from '../database/db';
import { ChallengeEntity } from '../database/entities';
import { FactorsRepository } from '../factors/factors.repository';
import { FactorsService, maskEmail } from '../factors/factors.service';
import { PasskeysService } from '../factors/passkeys.service';
import { auditIds, Subject, subjectColumns, subjectKey } from '../factors/subject';
import { MailerService } from '../notifications/mailer.service';
import { NotificationsService } from '../notifications/notifications.service';
import { ThrottleService } from './throttle.service';

const CHALLENGE_TTL_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/**
 * The one way every factor is checked against a challenge: a per-challenge attempt budget, a per-member
 * (or per-admin) lockout on consecutive failures, and a per-IP limit, all counted in the database and
 * reserved before the code is looked at. Wrong code, spent code, lockout and exhausted budget all get
 * the same answer.
 */
@Injectable()
export class VerificationService {
  constructor(
    private readonly db: Db,
    private readonly repo: FactorsRepository,
    private readonly factors: FactorsService,
    private readonly passkeys: PasskeysService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
    private readonly mailer: MailerService,
  ) {}

  async create(subject: Subject, purpose: string, opts: { sessionId?: string; ip?: string } = {}): Promise<Challenge> {
    const now = this.clock.now();
    const row: ChallengeEntity = Object.assign(new ChallengeEntity(), {
      id: newId(),
      ...subjectColumns(subject),
      purpose,
      status: 'pending' as const,
      attempts: 0,
      maxAttempts: this.config.verification.challengeAttempts,
      sessionId: opts.sessionId ?? null,
      ip: opts.ip?.slice(0, 64) ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
      completedAt: null,
      completedMethod: null,
    });
    await this.db.write((m) => this.repo.insertChallenge(m, row));
    return this.describe(row, subject);
  }

  /** The challenge, if it belongs to this subject (else it does not exist, as far as the caller knows). */
  async get(subject: Subject, challengeId: string): Promise<ChallengeEntity> {
    const c = await this.repo.findChallenge(challengeId);
    const mine = c && (subject.kind === 'member' ? c.memberId === subject.id : c.adminId === subject.id);
    if (!c || !mine) throw AppException.notFound('challenge_not_found');
    return c;
  }

  async describe(c: ChallengeEntity, subject: Subject): Promise<Challenge> {
    const expired = c.status === 'pending' && c.expiresAt <= this.clock.now();
    return { id: c.id, purpose: c.purpose, status: expired ? 'expired' : c.status, methods: await this.methods(subject, c), expiresAt: iso(c.expiresAt) };
  }

  /** How this subject can answer, from the factors they have (and, for a login, what its policies accept). */
  async methods(subject: Subject, c?: ChallengeEntity): Promise<VerificationMethod[]> {
    let all = await this.allMethods(subject);
    if (await this.inEmergency(subject)) all = all.filter((m) => EMERGENCY_METHODS.includes(m));
    const accepted = acceptedKinds(c);
    return accepted ? all.filter((m) => accepted.includes(METHOD_KIND[m])) : all;
  }

  private async allMethods(subject: Subject): Promise<VerificationMethod[]> {
    const kinds = await this.factors.activeKinds(subject);
    const out: VerificationMethod[] = [];
    if (kinds.has('passkey')) out.push('passkey');
    if (kinds.has('totp')) out.push('totp');
    if (kinds.has('email') && (await this.mailer.isAvailable())) out.push('email');
    if (kinds.has('recovery_codes') && (await this.factors.recoveryStatus(subject)).remaining > 0) out.push('recovery_code');
    return out;
  }

  /** Sends an e-mail code for the challenge, rate-limited per member and per IP. */
  async sendEmailCode(subject: Subject, challengeId: string, ip: string): Promise<{ sentTo: string; expiresAt: string }> {
    const c = await this.get(subject, challengeId);
    if (c.status !== 'pending' || c.expiresAt <= this.clock.now()) throw AppException.notFound('challenge_not_found');
    const email = await this.factors.verifiedEmail(subject);
    if (!email || !(await this.mailer.isAvailable())) throw new AppException(400, 'factor_unavailable', 'E-mail codes are not available for this account.');
    const fifteen = 15 * 60_000;
    const allowed =
      (await this.throttle.consume(`email-send:${subjectKey(subject)}`, { max: 5, windowMs: fifteen })) &&
      (await this.throttle.consume(`email-send:ip:${ip}`, { max: 20, windowMs: fifteen }));
    if (!allowed) {
      await this.audit.record({ type: 'email_code.send', outcome: 'denied', ...auditIds(subject), ip, details: { challengeId, reason: 'rate limited' } });
      throw new AppException(429, 'rate_limited', 'Too many codes were sent. Wait a few minutes, or use another way to verify.');
    }
    const expiresAt = await this.factors.sendEmailCode({ challengeId }, email, ip);
    await this.audit.record({ type: 'email_code.send', outcome: 'success', ...auditIds(subject), ip, details: { challengeId } });
    return { sentTo: maskEmail(email), expiresAt: iso(expiresAt) };
  }

  async passkeyOptions(subject: Subject, challengeId: string): Promise<Record<string, unknown>> {
    const c = await this.get(subject, challengeId);
    if (c.status !== 'pending' || c.expiresAt <= this.clock.now()) throw AppException.notFound('challenge_not_found');
    return this.passkeys.authenticationOptions(subject, c.id);
  }

  /** Answers a challenge. Resolves once, for exactly one caller; every failure looks the same. */
  async verify(subject: Subject, challengeId: string, req: VerifyRequest, ip: string): Promise<ChallengeEntity> {
    const c = await this.get(subject, challengeId);
    const now = this.clock.now();
    const lockMs = this.config.verification.lockoutMinutes * 60_000;
    const memberKey = `verify:${subjectKey(subject)}`;
    let lockedNow = false;
    // Cheapest, narrowest budget first: the challenge's own, then the member's lockout, then the IP's.
    const reserved =
      (await this.db.write((m) => this.repo.reserveChallengeAttempt(m, c.id, now))) &&
      (await this.throttle.consume(memberKey, { max: this.config.verification.lockoutThreshold, windowMs: DAY_MS, lockMs, onLock: () => (lockedNow = true) })) &&
      (await this.throttle.consume(`verify:ip:${ip}`, { max: this.config.verification.ipAttemptsPer15Min, windowMs: 15 * 60_000 }));
    if (!reserved) {
      const locked = await this.throttle.isLocked(memberKey);
      await this.audit.record({ type: 'verification', outcome: 'denied', ...auditIds(subject), ip, details: { challengeId, method: req.method, reason: locked ? 'lockout' : 'budget' } });
      if (locked) await this.factors.notify(subject, 'lockout');
      if (lockedNow) void this.notifications.emit('lockout', { ...auditIds(subject), ip, lockedUntil: iso(new Date(now.getTime() + lockMs)) });
      // A refused attempt takes as long as a checked one (a recovery code's slow hash), so a lockout
      // cannot be told from a wrong code by the response time either.
      if (req.method === 'recovery_code') await verifyPassword(null, req.code ?? '');
      throw new AppException(400, 'verification_failed');
    }
    const ok = await this.check(subject, c, req, ip);
    if (!ok) {
      await this.audit.record({ type: 'verification', outcome: 'failure', ...auditIds(subject), ip, details: { challengeId, method: req.method } });
      throw new AppException(400, 'verification_failed');
    }
    const completed = await this.db.write(async (m) => {
      const done = await this.repo.completeChallenge(m, c.id, req.method, this.clock.now());
      // Back in after "I lost my phone": the other factors count again.
      if (done && subject.kind === 'member') await this.db.raw(m, 'UPDATE members SET emergency_at = NULL WHERE id = ?', [subject.id]);
      if (done) await this.audit.record({ type: 'verification', outcome: 'success', ...auditIds(subject), ip, details: { challengeId, method: req.method, purpose: c.purpose } }, m);
      return done;
    });
    if (!completed) throw new AppException(400, 'verification_failed');
    await this.throttle.reset(memberKey);
    if (req.method === 'recovery_code') {
      await this.factors.notify(subject, 'recovery_used');
      void this.notifications.emit('recovery_code.used', { ...auditIds(subject), ip, remaining: (await this.factors.recoveryStatus(subject)).remaining });
    }
    return { ...c, status: 'completed', completedAt: now, completedMethod: req.method };
  }

  private async inEmergency(subject: Subject): Promise<boolean> {
    if (subject.kind !== 'member') return false;
    const rows = await this.db.raw<{ emergency_at: number | string | null }>(this.db.manager, 'SELECT emergency_at FROM members WHERE id = ?', [subject.id]);
    return rows[0]?.emergency_at !== null && rows[0]?.emergency_at !== undefined;
  }

  private async check(subject: Subject, c: ChallengeEntity, req: VerifyRequest, ip: string): Promise<boolean> {
    // A login under a phishing-resistant policy takes a passkey and nothing else.
    const accepted = acceptedKinds(c);
    if (accepted && !accepted.includes(METHOD_KIND[req.method])) return false;
    // After "I lost my phone" the phone's authenticator and passkeys may be in someone else's hands.
    if (!EMERGENCY_METHODS.includes(req.method) && (await this.inEmergency(subject))) return false;
    switch (req.method) {
      case 'totp':
        return this.factors.verifyTotp(subject, req.code ?? '', ip);
      case 'recovery_code':
        return this.factors.verifyRecoveryCode(subject, req.code ?? '');
      case 'email':
        return this.factors.checkEmailCode(null, { challengeId: c.id }, req.code ?? '');
      case 'passkey':
        return this.passkeys.verifyAssertion(subject, c.id, req.assertion ?? {}, ip);
    }
  }
}

const EMERGENCY_METHODS: VerificationMethod[] = ['recovery_code', 'email'];

const METHOD_KIND: Record<VerificationMethod, string> = { totp: 'totp', recovery_code: 'recovery_codes', email: 'email', passkey: 'passkey' };

function acceptedKinds(c: ChallengeEntity | undefined): string[] | null {
  return c?.acceptedFactors ? (JSON.parse(c.acceptedFactors) as string[]) : null;
}
