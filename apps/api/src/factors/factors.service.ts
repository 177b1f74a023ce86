import { randomInt } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Factor, MfaReset, PendingFactor, RecoveryCodes, RecoveryCodesStatus, TotpEnrolment } from '@latchkey/contracts';
import { hashPassword, verifyPassword } from '../admin-auth/passwords';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { hmacSha256, safeEqual } from '../crypto/primitives';
import { Db } from '../database/db';
import { EmailCodeEntity, FactorEntity, MemberEntity, RecoveryCodeEntity } from '../database/entities';
import { composeMail, MailerService } from '../notifications/mailer.service';
import { credentialsChanged } from '../devices/credentials';
import { FactorsRepository } from './factors.repository';
import { newRecoveryCode, normaliseRecoveryCode, RECOVERY_CODE_COUNT } from './recovery';
import { auditIds, Subject, subjectColumns } from './subject';
import { matchingStep, newTotpSecret, qrSvgDataUrl, totpFor } from './totp';

export const EMAIL_CODE_TTL_MS = 10 * 60_000;

/** Notices members get about their own security. */
export type Notice = 'factor_added' | 'factor_removed' | 'recovery_regenerated' | 'recovery_used' | 'lockout' | 'factors_reset';

/**
 * Enrolling, listing and removing second factors, and checking codes against them. Every "use once"
 * is a conditional UPDATE that exactly one caller can win. Whether the caller may change factors
 * (recent verification) is decided by the caller (member pages, admin sign-in).
 */
@Injectable()
export class FactorsService {
  constructor(
    private readonly db: Db,
    private readonly repo: FactorsRepository,
    private readonly crypto: CryptoService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(subject: Subject): Promise<Factor[]> {
    const rows = (await this.repo.list(subject)).filter((f) => f.status === 'active');
    return Promise.all(rows.map((f) => this.toFactor(f)));
  }

  /** Active factors that make a member compliant (recovery codes never count on their own). */
  async activeKinds(subject: Subject): Promise<Set<FactorEntity['kind']>> {
    const kinds = new Set<FactorEntity['kind']>();
    for (const f of await this.repo.list(subject)) if (f.status === 'active') kinds.add(f.kind);
    return kinds;
  }

  async hasAnyActive(subject: Subject): Promise<boolean> {
    return (await this.activeKinds(subject)).size > 0;
  }

  // ---- TOTP -------------------------------------------------------------------------------

  /** Starts (or restarts) an authenticator-app enrolment; it stays pending until confirmed with a code. */
  async startTotp(subject: Subject, accountName: string): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const now = this.clock.now();
    const factor = this.newFactorRow(subject, newId(), 'totp', 'Authenticator app', now);
    factor.status = 'pending';
    factor.confirmedAt = null;
    factor.secret = this.crypto.encrypt(secret, `totp:${factor.id}`);
    await this.db.write(async (m) => {
      const stale = (await this.repo.list(subject, m)).filter((f) => f.kind === 'totp' && f.status === 'pending').map((f) => f.id);
      await this.repo.delete(m, stale);
      await this.repo.insert(m, factor);
    });
    const uri = totpFor(secret, this.config.totpIssuer, accountName).toString();
    return { factorId: factor.id, secret, otpauthUri: uri, qrCodeSvg: await qrSvgDataUrl(uri), issuer: this.config.totpIssuer, accountName };
  }

  /** Confirms a pending TOTP enrolment; it replaces any earlier authenticator (rotation). */
  async confirmTotp(subject: Subject, factorId: string, code: string, ip: string): Promise<void> {
    const factor = await this.repo.find(subject, factorId);
    if (!factor || factor.kind !== 'totp' || factor.status !== 'pending' || !factor.secret) throw AppException.notFound('factor_not_found');
    const now = this.clock.now();
    const step = matchingStep(this.totpSecret(factor), code.replace(/\s/g, ''), now);
    const done = await this.db.write(async (m) => {
      if (step === null || !(await this.repo.claimTotpStep(m, factor.id, step, now))) return false;
      const older = (await this.repo.list(subject, m)).filter((f) => f.kind === 'totp' && f.id !== factor.id).map((f) => f.id);
      await this.repo.delete(m, older);
      // A replaced authenticator (new phone): devices trusted under the old one are trusted no longer.
      if (older.length && subject.kind === 'member') await credentialsChanged(this.db, m, subject.id, 'factor_changed', now);
      await this.repo.update(m, factor.id, { status: 'active', confirmedAt: now });
      await this.audit.record({ type: older.length ? 'factor.rotated' : 'factor.added', outcome: 'success', ...auditIds(subject), ip, details: { kind: 'totp', factorId } }, m);
      return true;
    });
    if (!done) {
      await this.audit.record({ type: 'factor.confirm', outcome: 'failure', ...auditIds(subject), ip, details: { kind: 'totp', factorId } });
      throw new AppException(400, 'verification_failed');
    }
    await this.notify(subject, 'factor_added', 'an authenticator app');
  }

  /**
   * Checks a TOTP code; the time step is spent whatever the outcome of the rest, so a code seen once
   * (over a shoulder, in a phishing proxy) is useless afterwards.
   */
  async verifyTotp(subject: Subject, code: string, ip: string): Promise<boolean> {
    const now = this.clock.now();
    const factors = (await this.repo.list(subject)).filter((f) => f.kind === 'totp' && f.status === 'active');
    for (const factor of factors) {
      const step = matchingStep(this.totpSecret(factor), code.replace(/\s/g, ''), now);
      if (step === null) continue;
      if (await this.db.write((m) => this.repo.claimTotpStep(m, factor.id, step, now))) return true;
      await this.audit.record({ type: 'verification.replay', outcome: 'denied', ...auditIds(subject), ip, details: { method: 'totp', factorId: factor.id } });
      return false;
    }
    return false;
  }

  private totpSecret(f: FactorEntity): string {
    return this.crypto.decrypt(f.secret ?? '', `totp:${f.id}`).toString('utf8');
  }

  // ---- Recovery codes ---------------------------------------------------------------------

  /** A new set of 10 codes, shown once; any earlier set stops working. */
  async regenerateRecoveryCodes(subject: Subject, ip: string): Promise<RecoveryCodes> {
    const now = this.clock.now();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const factorId = newId();
    const rows = await Promise.all(
      codes.map(async (code) => {
        const normal = normaliseRecoveryCode(code) as string;
        return Object.assign(new RecoveryCodeEntity(), { id: newId(), factorId, lookup: this.recoveryLookup(normal), codeHash: await hashPassword(normal), createdAt: now, usedAt: null });
      }),
    );
    let replaced = false;
    await this.db.write(async (m) => {
      const old = (await this.repo.list(subject, m)).filter((f) => f.kind === 'recovery_codes').map((f) => f.id);
      replaced = old.length > 0;
      await this.repo.delete(m, old);
      await this.repo.insert(m, this.newFactorRow(subject, factorId, 'recovery_codes', 'Recovery codes', now));
      await this.repo.insertRecoveryCodes(m, rows);
      await this.audit.record({ type: replaced ? 'recovery_codes.regenerated' : 'factor.added', outcome: 'success', ...auditIds(subject), ip, details: { kind: 'recovery_codes', factorId } }, m);
    });
    if (replaced) await this.notify(subject, 'recovery_regenerated');
    return { codes, createdAt: iso(now) };
  }

  async recoveryStatus(subject: Subject): Promise<RecoveryCodesStatus> {
    const factor = (await this.repo.list(subject)).find((f) => f.kind === 'recovery_codes');
    if (!factor) return { total: 0, remaining: 0, createdAt: null };
    return { ...(await this.repo.recoveryCounts(factor.id)), createdAt: iso(factor.createdAt) };
  }

  /** Spends one recovery code of this subject; exactly one of many parallel uses of a code succeeds. */
  async verifyRecoveryCode(subject: Subject, input: string): Promise<boolean> {
    const normal = normaliseRecoveryCode(input);
    if (!normal) return false;
    const row = await this.repo.findRecoveryCode(this.recoveryLookup(normal));
    const owned = row ? await this.repo.find(subject, row.factorId) : null;
    // The slow hash runs outside any transaction; spending the code is one conditional UPDATE.
    const ok = await verifyPassword(owned && row ? row.codeHash : null, normal);
    if (!ok || !row) return false;
    return this.db.write((m) => this.repo.spendRecoveryCode(m, row.id, this.clock.now()));
  }

  private recoveryLookup(normal: string): string {
    return hmacSha256(this.crypto.lookupKey, `recovery-code\n${normal}`).toString('hex');
  }

  // ---- E-mail -----------------------------------------------------------------------------

  /** Starts an e-mail factor: sends a code to the address, which counts only once confirmed. */
  async startEmail(subject: Subject, email: string, ip: string): Promise<PendingFactor> {
    if (!(await this.mailer.isAvailable())) throw new AppException(400, 'factor_unavailable', 'E-mail codes are not available: this Latchkey has no mail server configured.');
    const now = this.clock.now();
    const factorId = newId();
    const factor = this.newFactorRow(subject, factorId, 'email', 'E-mail', now);
    factor.status = 'pending';
    factor.email = email.trim().toLowerCase();
    await this.db.write(async (m) => {
      const stale = (await this.repo.list(subject, m)).filter((f) => f.kind === 'email' && f.status === 'pending').map((f) => f.id);
      await this.repo.delete(m, stale);
      await this.repo.insert(m, factor);
    });
    const expiresAt = await this.sendEmailCode({ factorId }, factor.email, ip, 'Confirm your e-mail address', 'Enter this code to confirm that this address is yours:');
    return { factorId, sentTo: maskEmail(factor.email), expiresAt: iso(expiresAt) };
  }

  async confirmEmail(subject: Subject, factorId: string, code: string, ip: string): Promise<void> {
    const factor = await this.repo.find(subject, factorId);
    if (!factor || factor.kind !== 'email' || factor.status !== 'pending') throw AppException.notFound('factor_not_found');
    const now = this.clock.now();
    const ok = await this.db.write(async (m) => {
      if (!(await this.checkEmailCode(m, { factorId }, code))) return false;
      const older = (await this.repo.list(subject, m)).filter((f) => f.kind === 'email' && f.id !== factorId).map((f) => f.id);
      await this.repo.delete(m, older);
      await this.repo.update(m, factorId, { status: 'active', confirmedAt: now });
      await this.audit.record({ type: 'factor.added', outcome: 'success', ...auditIds(subject), ip, details: { kind: 'email', factorId } }, m);
      return true;
    });
    if (!ok) throw new AppException(400, 'verification_failed');
    await this.notify(subject, 'factor_added', 'e-mail codes');
  }

  /**
   * Sends a fresh code bound to a challenge (or to a pending e-mail factor). Earlier codes of the same
   * challenge stop working; the challenge's failure count is untouched.
   */
  async sendEmailCode(bound: { challengeId?: string; factorId?: string }, email: string, ip: string, subject = 'Your verification code', lead = 'Enter this code to confirm it is you:'): Promise<Date> {
    const now = this.clock.now();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const row = Object.assign(new EmailCodeEntity(), {
      id: newId(),
      challengeId: bound.challengeId ?? null,
      factorId: bound.factorId ?? null,
      email,
      codeHash: this.emailCodeHash(bound, code),
      createdAt: now,
      expiresAt: new Date(now.getTime() + EMAIL_CODE_TTL_MS),
      usedAt: null,
      supersededAt: null,
    });
    await this.db.write(async (m) => {
      await this.repo.supersedeEmailCodes(m, bound, now);
      await this.repo.insertEmailCode(m, row);
    });
    await this.mailer.send(
      composeMail(email, `${subject}: ${code}`, [lead, 'It works once and expires in 10 minutes. If you did not ask for it, you can ignore this e-mail; nobody can sign in with it without your password.'], code),
    );
    void ip;
    return row.expiresAt;
  }

  /** Spends the live e-mail code of a challenge or pending factor if `code` matches it. */
  async checkEmailCode(m: EntityManager | null, bound: { challengeId?: string; factorId?: string }, code: string): Promise<boolean> {
    const now = this.clock.now();
    const live = await this.repo.liveEmailCode(bound, now);
    if (!live || !safeEqual(live.codeHash, this.emailCodeHash(bound, code.replace(/\s/g, '')))) return false;
    return m ? this.repo.spendEmailCode(m, live.id, now) : this.db.write((tx) => this.repo.spendEmailCode(tx, live.id, now));
  }

  async verifiedEmail(subject: Subject): Promise<string | null> {
    return (await this.repo.list(subject)).find((f) => f.kind === 'email' && f.status === 'active')?.email ?? null;
  }

  private emailCodeHash(bound: { challengeId?: string; factorId?: string }, code: string): string {
    return hmacSha256(this.crypto.lookupKey, `email-code\n${bound.challengeId ?? ''}\n${bound.factorId ?? ''}\n${code}`).toString('hex');
  }

  // ---- Removal, rows, notices ------------------------------------------------------------

  async remove(subject: Subject, factorId: string, ip: string): Promise<void> {
    const factor = await this.repo.find(subject, factorId);
    if (!factor) throw AppException.notFound('factor_not_found');
    await this.db.write(async (m) => {
      await this.repo.delete(m, [factorId]);
      if (subject.kind === 'member' && factor.status === 'active') await credentialsChanged(this.db, m, subject.id, 'factor_removed', this.clock.now());
      await this.audit.record({ type: 'factor.removed', outcome: 'success', ...auditIds(subject), ip, details: { kind: factor.kind, factorId } }, m);
    });
    await this.notify(subject, 'factor_removed', describeKind(factor.kind));
  }

  /**
   * The owner resets a member's MFA: every factor (pending ones too) is removed, so the member must enrol
   * again; their credential version rises (remembered and paired devices stop counting), app passwords are
   * revoked and their member-pages sessions end, so nobody holding one can enrol a factor of their own.
   * The member is told at the address they had confirmed.
   */
  async resetMember(memberId: string, adminId: string, ip: string | null): Promise<MfaReset> {
    const subject: Subject = { kind: 'member', id: memberId };
    const to = await this.verifiedEmail(subject);
    const now = this.clock.now();
    const result = await this.db.write(async (m) => {
      const factors = await this.repo.list(subject, m);
      await this.repo.delete(m, factors.map((f) => f.id));
      const devices = await credentialsChanged(this.db, m, memberId, 'mfa_reset', now);
      const appPasswords = await this.db.exec(m, 'UPDATE app_passwords SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL', [now.getTime(), memberId]);
      const sessions = await this.db.exec(m, 'UPDATE member_sessions SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL', [now.getTime(), memberId]);
      await this.db.exec(m, 'UPDATE members SET emergency_at = NULL WHERE id = ?', [memberId]);
      const before = factors.filter((f) => f.status === 'active').map((f) => f.kind);
      const counts = { factorsRemoved: factors.length, devices, appPasswords, sessions };
      await this.audit.record({ type: 'member.mfa_reset', outcome: 'success', memberId, adminId, ip, details: { ...counts, before: { factors: before }, after: { factors: [] } } }, m);
      return counts;
    });
    if (to && result.factorsRemoved > 0) await this.notifyAt(to, memberId, 'factors_reset');
    return result;
  }

  newFactorRow(subject: Subject, id: string, kind: FactorEntity['kind'], label: string, now: Date): FactorEntity {
    return Object.assign(new FactorEntity(), {
      id,
      ...subjectColumns(subject),
      kind,
      status: 'active' as const,
      label,
      secret: null,
      email: null,
      credentialId: null,
      signCount: null,
      transports: null,
      lastUsedStep: null,
      createdAt: now,
      confirmedAt: now,
      lastUsedAt: null,
    });
  }

  private async toFactor(f: FactorEntity): Promise<Factor> {
    const remaining = f.kind === 'recovery_codes' ? (await this.repo.recoveryCounts(f.id)).remaining : null;
    return {
      id: f.id,
      kind: f.kind,
      label: f.label,
      email: f.email ? maskEmail(f.email) : null,
      remaining,
      phishingResistant: f.kind === 'passkey',
      createdAt: iso(f.createdAt),
      lastUsedAt: isoOrNull(f.lastUsedAt),
    };
  }

  /** Tells a member about a change to their security, when they have a verified address. */
  async notify(subject: Subject, notice: Notice, what = ''): Promise<void> {
    if (subject.kind !== 'member') return;
    const to = await this.verifiedEmail(subject);
    if (to) await this.notifyAt(to, subject.id, notice, what);
  }

  private async notifyAt(to: string, memberId: string, notice: Notice, what = ''): Promise<void> {
    const member = await this.db.manager.findOneBy(MemberEntity, { id: memberId });
    const hello = `Hello ${member?.displayName ?? member?.username ?? ''},`.replace(' ,', ',');
    const texts: Record<Notice, [string, string]> = {
      factor_added: ['A sign-in method was added', `${what} was just added as a way to confirm it is you.`],
      factor_removed: ['A sign-in method was removed', `${what} was just removed from your account.`],
      recovery_regenerated: ['New recovery codes', 'New recovery codes were just created; the old ones no longer work.'],
      recovery_used: ['A recovery code was used', 'One of your recovery codes was just used to sign in.'],
      lockout: ['Too many failed attempts', 'There were too many failed attempts to verify it is you, so verification is paused for a while.'],
      factors_reset: ['Your two-step verification was reset', 'The owner of your media server removed your sign-in methods. Set up a new one the next time you sign in.'],
    };
    const [title, body] = texts[notice];
    await this.mailer.sendQuietly(composeMail(to, title, [hello, body, 'If this was not you, tell the owner of your media server.']));
  }
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(1, Math.min(local.length - 1, 6)))}@${domain}`;
}

function describeKind(kind: FactorEntity['kind']): string {
  return { totp: 'An authenticator app', recovery_codes: 'Your recovery codes', email: 'E-mail codes', passkey: 'A passkey' }[kind];
}
