import { Injectable } from '@nestjs/common';
import { Challenge, EmailCodeSent, Factor, MemberSelf, PendingFactor, RecoveryCodes, RecoveryCodesStatus, TotpEnrolment, VerifyRequest, checkReturnUrl } from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import type { MemberPrincipal } from '../common/principal';
import { Clock } from '../common/clock';
import { Db } from '../database/db';
import { DevicesService } from '../devices/devices.service';
import { ChallengeEntity, MemberEntity, ServerEntity } from '../database/entities';
import { returnOrigins } from '../servers/return-origins';
import { FactorsService } from '../factors/factors.service';
import { PasskeysService } from '../factors/passkeys.service';
import { Subject } from '../factors/subject';
import { VerificationService } from '../verification/verification.service';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { decide } from '@latchkey/policy-engine';
import { iso } from '../common/ids';
import { MemberSessionsService } from './member-sessions.service';

/**
 * What a member can do on their own pages. Adding the first factor needs only the session from the
 * server's link; every later change needs a recent verification with a factor they already have.
 */
@Injectable()
export class PortalService {
  constructor(
    private readonly db: Db,
    private readonly factors: FactorsService,
    private readonly passkeys: PasskeysService,
    private readonly verification: VerificationService,
    private readonly sessions: MemberSessionsService,
    private readonly devices: DevicesService,
    private readonly clock: Clock,
    private readonly facts: MemberFactsRepository,
  ) {}

  async self(me: MemberPrincipal): Promise<MemberSelf> {
    const member = await this.member(me);
    return {
      member: { id: member.id, username: member.username, displayName: member.displayName, email: member.email },
      server: { name: await this.sessions.serverName(member.serverId), ownerName: await this.sessions.ownerName() },
      requirement: await this.requirement(member),
      factors: await this.factors.list(subject(me)),
      recentlyVerified: me.recentlyVerified,
      csrfToken: this.sessions.csrfTokenFor(me.sessionId),
    };
  }

  /** What the owner's policies ask of this member now: whether MFA is required, by when, and of which kind. */
  private async requirement(member: MemberEntity): Promise<MemberSelf['requirement']> {
    const now = this.clock.now();
    const decision = decide({
      now,
      action: 'login',
      libraryId: null,
      member: await this.facts.factsFor(member, now),
      policies: await this.facts.livePolicies(),
      client: { ip: null, ipTrusted: false },
      device: { trusted: false, verifiedAt: null },
    });
    const required = decision.policyIds.length > 0 && decision.decision !== 'allow';
    return {
      required,
      deadline: required && decision.deadline ? iso(decision.deadline) : null,
      // Past the deadline the engine gives no days left: say how far past it is (0 or less).
      daysLeft: required && decision.deadline ? (decision.daysLeft ?? Math.ceil((decision.deadline.getTime() - now.getTime()) / 86_400_000)) : null,
      passkeyRequired: decision.reasons.some((r) => r.code === 'needs_phishing_resistant'),
    };
  }

  listFactors(me: MemberPrincipal): Promise<Factor[]> {
    return this.factors.list(subject(me));
  }

  async startTotp(me: MemberPrincipal): Promise<TotpEnrolment> {
    await this.mayChange(me);
    const member = await this.member(me);
    return this.factors.startTotp(subject(me), member.username);
  }

  async confirmTotp(me: MemberPrincipal, factorId: string, code: string, ip: string): Promise<void> {
    await this.mayChange(me);
    await this.factors.confirmTotp(subject(me), factorId, code, ip);
  }

  async startEmail(me: MemberPrincipal, email: string | undefined, ip: string): Promise<PendingFactor> {
    await this.mayChange(me);
    const address = email ?? (await this.member(me)).email;
    if (!address) throw AppException.validation([{ path: 'email', message: 'your media server has no e-mail address for you: type one' }]);
    return this.factors.startEmail(subject(me), address, ip);
  }

  async confirmEmail(me: MemberPrincipal, factorId: string, code: string, ip: string): Promise<void> {
    await this.mayChange(me);
    await this.factors.confirmEmail(subject(me), factorId, code, ip);
  }

  async passkeyOptions(me: MemberPrincipal): Promise<Record<string, unknown>> {
    await this.mayChange(me);
    const member = await this.member(me);
    return this.passkeys.registrationOptions(subject(me), member.username, member.displayName ?? member.username);
  }

  async registerPasskey(me: MemberPrincipal, label: string | undefined, response: Record<string, unknown>, ip: string): Promise<void> {
    await this.mayChange(me);
    await this.passkeys.register(subject(me), label, response, ip);
  }

  recoveryStatus(me: MemberPrincipal): Promise<RecoveryCodesStatus> {
    return this.factors.recoveryStatus(subject(me));
  }

  async regenerateRecoveryCodes(me: MemberPrincipal, ip: string): Promise<RecoveryCodes> {
    await this.mayChange(me);
    return this.factors.regenerateRecoveryCodes(subject(me), ip);
  }

  async remove(me: MemberPrincipal, factorId: string, ip: string): Promise<void> {
    await this.mayChange(me);
    await this.factors.remove(subject(me), factorId, ip);
  }

  stepUp(me: MemberPrincipal, ip: string): Promise<Challenge> {
    return this.verification.create(subject(me), 'step_up', { sessionId: me.sessionId, ip });
  }

  /** A challenge of this member; a sign-in's return URL is checked again against the server's origins of now. */
  async challenge(me: MemberPrincipal, challengeId: string): Promise<Challenge> {
    const c = await this.verification.get(subject(me), challengeId);
    const described = await this.verification.describe(c, subject(me));
    if (c.purpose !== 'login') return described;
    const server = c.returnUrl && c.serverId ? await this.db.manager.findOneBy(ServerEntity, { id: c.serverId }) : null;
    const check = server && c.returnUrl ? checkReturnUrl(c.returnUrl, returnOrigins(server)) : null;
    return { ...described, returnUrl: check?.ok ? check.url : null };
  }

  sendEmailCode(me: MemberPrincipal, challengeId: string, ip: string): Promise<EmailCodeSent> {
    return this.verification.sendEmailCode(subject(me), challengeId, ip);
  }

  passkeyAssertionOptions(me: MemberPrincipal, challengeId: string): Promise<Record<string, unknown>> {
    return this.verification.passkeyOptions(subject(me), challengeId);
  }

  /** Answers a challenge; for a sign-in with "remember this device", that device is trusted from now on. */
  async verify(me: MemberPrincipal, challengeId: string, body: VerifyRequest, ip: string): Promise<ChallengeEntity> {
    const done = await this.verification.verify(subject(me), challengeId, body, ip);
    if (done.purpose === 'login' && body.remember === true) {
      const now = this.clock.now();
      await this.db.write((m) => this.devices.trust(m, done, 'remembered', now));
    }
    return done;
  }

  /** Changing factors: free while the member has none; afterwards only right after a verification. */
  private async mayChange(me: MemberPrincipal): Promise<void> {
    if (me.recentlyVerified) return;
    if (await this.factors.hasAnyActive(subject(me))) throw new AppException(403, 'verification_required');
  }

  private async member(me: MemberPrincipal): Promise<MemberEntity> {
    const member = await this.db.manager.findOneBy(MemberEntity, { id: me.memberId });
    if (!member) throw AppException.unauthenticated();
    return member;
  }
}

function subject(me: MemberPrincipal): Subject {
  return { kind: 'member', id: me.memberId };
}
