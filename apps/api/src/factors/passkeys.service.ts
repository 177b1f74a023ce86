import { Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { FactorEntity, WebAuthnChallengeEntity } from '../database/entities';
import { SettingsStore } from '../settings/settings.store';
import { FactorsRepository } from './factors.repository';
import { FactorsService } from './factors.service';
import { auditIds, Subject, subjectColumns } from './subject';

const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Passkeys (WebAuthn): the only phishing-resistant factor. RP ID and origins come from config; every
 * WebAuthn challenge is stored server-side and consumed once; a credential only answers for the member it
 * belongs to; the signature counter is persisted and a regression refused.
 */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly db: Db,
    private readonly repo: FactorsRepository,
    private readonly factors: FactorsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly settings: SettingsStore,
  ) {}

  async registrationOptions(subject: Subject, userName: string, displayName: string): Promise<Record<string, unknown>> {
    const existing = (await this.repo.list(subject)).filter((f) => f.kind === 'passkey' && f.credentialId);
    const webauthn = await this.settings.webauthn();
    const options = await generateRegistrationOptions({
      rpName: webauthn.rpName,
      rpID: webauthn.rpId,
      userName,
      userDisplayName: displayName,
      userID: new TextEncoder().encode(`${subject.kind}:${subject.id}`),
      attestationType: 'none',
      excludeCredentials: existing.map((f) => ({ id: f.credentialId as string, transports: splitTransports(f.transports) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      timeout: CHALLENGE_TTL_MS,
    });
    await this.storeChallenge(subject, 'registration', options.challenge);
    return options as unknown as Record<string, unknown>;
  }

  async register(subject: Subject, label: string | undefined, response: Record<string, unknown>, ip: string): Promise<string> {
    const webauthn = await this.settings.webauthn();
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: (c) => this.consumeChallenge(subject, 'registration', c),
        expectedOrigin: webauthn.origins,
        expectedRPID: webauthn.rpId,
        requireUserVerification: true,
      });
    } catch (e) {
      await this.audit.record({ type: 'passkey.register', outcome: 'failure', ...auditIds(subject), ip, details: { reason: reason(e) } });
      throw new AppException(400, 'verification_failed', 'The passkey could not be registered. Try again.');
    }
    if (!verification.verified) throw new AppException(400, 'verification_failed', 'The passkey could not be registered. Try again.');
    const { credential } = verification.registrationInfo;
    const now = this.clock.now();
    const factorId = newId();
    const row: FactorEntity = Object.assign(this.factors.newFactorRow(subject, factorId, 'passkey', label ?? 'Passkey', now), {
      ...subjectColumns(subject),
      secret: Buffer.from(credential.publicKey).toString('base64url'),
      credentialId: credential.id,
      signCount: credential.counter,
      transports: (credential.transports ?? []).join(','),
    });
    await this.db.write(async (m) => {
      const taken = await m.findOneBy(FactorEntity, { credentialId: credential.id });
      if (taken) throw new AppException(409, 'conflict', 'This passkey is already registered.');
      await this.repo.insert(m, row);
      await this.audit.record({ type: 'factor.added', outcome: 'success', ...auditIds(subject), ip, details: { kind: 'passkey', factorId } }, m);
    });
    await this.factors.notify(subject, 'factor_added', 'A passkey');
    return factorId;
  }

  /** Options for answering one verification challenge; the WebAuthn challenge is bound to it. */
  async authenticationOptions(subject: Subject, challengeId: string): Promise<Record<string, unknown>> {
    const mine = (await this.repo.list(subject)).filter((f) => f.kind === 'passkey' && f.status === 'active' && f.credentialId);
    if (mine.length === 0) throw new AppException(400, 'factor_unavailable', 'No passkey is registered.');
    const options = await generateAuthenticationOptions({
      rpID: (await this.settings.webauthn()).rpId,
      allowCredentials: mine.map((f) => ({ id: f.credentialId as string, transports: splitTransports(f.transports) })),
      userVerification: 'required',
      timeout: CHALLENGE_TTL_MS,
    });
    await this.storeChallenge(subject, 'authentication', options.challenge, challengeId);
    return options as unknown as Record<string, unknown>;
  }

  /** Checks an assertion for this subject and verification challenge; false (and audited) for anything wrong. */
  async verifyAssertion(subject: Subject, challengeId: string, assertion: Record<string, unknown>, ip: string): Promise<boolean> {
    const credentialId = typeof assertion['id'] === 'string' ? assertion['id'] : '';
    const factor = credentialId ? await this.db.manager.findOneBy(FactorEntity, { credentialId }) : null;
    const owned = factor && factor.status === 'active' && (subject.kind === 'member' ? factor.memberId === subject.id : factor.adminId === subject.id);
    if (!factor || !owned) {
      await this.audit.record({ type: 'passkey.verify', outcome: 'denied', ...auditIds(subject), ip, details: { reason: factor ? 'credential of another account' : 'unknown credential' } });
      return false;
    }
    return this.checkAssertion(factor, subject, assertion, (c) => this.consumeChallenge(subject, 'authentication', c, challengeId), ip);
  }

  /**
   * Options for signing in with a passkey alone (forward-auth sign-in): no account is named, the browser
   * offers the member's discoverable passkeys, and user verification is required — a passkey that
   * verifies its user is multi-factor on its own.
   */
  async signInOptions(): Promise<Record<string, unknown>> {
    const options = await generateAuthenticationOptions({ rpID: (await this.settings.webauthn()).rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
    await this.storeChallenge(null, 'authentication', options.challenge);
    return options as unknown as Record<string, unknown>;
  }

  /** The member whose active passkey produced this user-verified assertion for a sign-in challenge, or null. */
  async verifySignIn(assertion: Record<string, unknown>, ip: string): Promise<string | null> {
    const credentialId = typeof assertion['id'] === 'string' ? assertion['id'] : '';
    const factor = credentialId ? await this.db.manager.findOneBy(FactorEntity, { credentialId }) : null;
    if (!factor || factor.status !== 'active' || !factor.memberId) {
      await this.audit.record({ type: 'passkey.sign_in', outcome: 'denied', ip, details: { reason: 'unknown credential' } });
      return null;
    }
    const subject: Subject = { kind: 'member', id: factor.memberId };
    return (await this.checkAssertion(factor, subject, assertion, (c) => this.consumeChallenge(null, 'authentication', c), ip)) ? factor.memberId : null;
  }

  private async checkAssertion(factor: FactorEntity, subject: Subject, assertion: Record<string, unknown>, expectedChallenge: (c: string) => Promise<boolean>, ip: string): Promise<boolean> {
    const webauthn = await this.settings.webauthn();
    try {
      const result = await verifyAuthenticationResponse({
        response: assertion as unknown as AuthenticationResponseJSON,
        expectedChallenge,
        expectedOrigin: webauthn.origins,
        expectedRPID: webauthn.rpId,
        credential: { id: factor.credentialId ?? '', publicKey: Buffer.from(factor.secret ?? '', 'base64url'), counter: factor.signCount ?? 0, transports: splitTransports(factor.transports) as never },
        requireUserVerification: true,
      });
      if (!result.verified) return false;
      const next = result.authenticationInfo.newCounter;
      // Persist the counter; a parallel use that already moved it past `next` wins.
      const moved = await this.db.write(async (m) => {
        const res = await m
          .createQueryBuilder()
          .update(FactorEntity)
          .set({ signCount: next, lastUsedAt: this.clock.now() })
          .where('id = :id', { id: factor.id })
          .andWhere('(sign_count < :next OR (sign_count = 0 AND :next = 0))', { next })
          .execute();
        return res.affected === 1;
      });
      if (!moved) await this.audit.record({ type: 'passkey.counter_regression', outcome: 'denied', ...auditIds(subject), ip, details: { factorId: factor.id } });
      return moved;
    } catch (e) {
      const why = reason(e);
      await this.audit.record({ type: /counter/i.test(why) ? 'passkey.counter_regression' : 'passkey.verify', outcome: 'denied', ...auditIds(subject), ip, details: { factorId: factor.id, reason: why } });
      return false;
    }
  }

  /** A subject of null: a sign-in challenge, not issued to anyone in particular (a discoverable passkey answers it). */
  private async storeChallenge(subject: Subject | null, kind: WebAuthnChallengeEntity['kind'], challenge: string, challengeId: string | null = null): Promise<void> {
    const now = this.clock.now();
    const owner = subject ? subjectColumns(subject) : { memberId: null, adminId: null };
    const row = Object.assign(new WebAuthnChallengeEntity(), { id: newId(), ...owner, challengeId, kind, challenge, createdAt: now, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS), usedAt: null });
    await this.db.write((m) => m.insert(WebAuthnChallengeEntity, row));
  }

  /** True for exactly one caller: the challenge was issued to this subject, is unexpired and unused. */
  private async consumeChallenge(subject: Subject | null, kind: WebAuthnChallengeEntity['kind'], challenge: string, challengeId: string | null = null): Promise<boolean> {
    const now = this.clock.now();
    return this.db.write(async (m) => {
      const qb = m
        .createQueryBuilder()
        .update(WebAuthnChallengeEntity)
        .set({ usedAt: now })
        .where('challenge = :challenge', { challenge })
        .andWhere('kind = :kind', { kind })
        .andWhere('used_at IS NULL')
        .andWhere('expires_at > :now', { now: now.getTime() })
        .andWhere(!subject ? 'member_id IS NULL AND admin_id IS NULL' : subject.kind === 'member' ? 'member_id = :sid' : 'admin_id = :sid', subject ? { sid: subject.id } : {});
      if (challengeId) qb.andWhere('challenge_id = :cid', { cid: challengeId });
      else qb.andWhere('challenge_id IS NULL');
      return (await qb.execute()).affected === 1;
    });
  }
}

function splitTransports(t: string | null): string[] | undefined {
  return t ? t.split(',').filter(Boolean) : undefined;
}

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}
