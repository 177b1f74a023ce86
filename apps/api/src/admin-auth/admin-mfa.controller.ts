import { Body, Controller, Delete, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AdminSession,
  Challenge,
  ChallengeIdParams,
  ConfirmCodeRequest,
  FactorIdParams,
  FactorList,
  PasskeyRegistrationRequest,
  Permissions,
  RecoveryCodes,
  TotpEnrolment,
  VerifyRequest,
  WebAuthnOptions,
} from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { AdminAuth, AdminMfaPending, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { FactorsService } from '../factors/factors.service';
import { PasskeysService } from '../factors/passkeys.service';
import { Subject } from '../factors/subject';
import { VerificationService } from '../verification/verification.service';
import { startSession } from './admin-auth.controller';
import { AdminAuthService } from './admin-auth.service';

/**
 * Every admin signs in with a second factor. A password-only session can reach just these routes: enrol
 * a first factor (authenticator app or passkey), or answer a challenge with one. Either way the session
 * is replaced by a new, verified one.
 */
@Controller('admin/mfa')
export class AdminMfaController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly factors: FactorsService,
    private readonly passkeys: PasskeysService,
    private readonly verification: VerificationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('factors')
  @AdminAuth(Permissions.serversRead)
  @Endpoint({ summary: 'Your second factors', response: FactorList })
  async list(@CurrentAdmin() admin: AdminPrincipal): Promise<FactorList> {
    return { items: await this.factors.list(subjectOf(admin)) };
  }

  @Post('totp')
  @AdminMfaPending()
  @Endpoint({ summary: 'Start enrolling an authenticator app', response: TotpEnrolment, status: 201, errors: ['mfa_required'] })
  async startTotp(@CurrentAdmin() admin: AdminPrincipal): Promise<TotpEnrolment> {
    await this.mayEnrol(admin);
    const { admin: row } = await this.auth.sessionOrToken(admin);
    return this.factors.startTotp(subjectOf(admin), row.email);
  }

  @Post('totp/:factorId/confirm')
  @AdminMfaPending()
  @Endpoint({ summary: 'Confirm the authenticator app with a code; the session becomes verified', params: FactorIdParams, body: ConfirmCodeRequest, response: AdminSession, errors: ['verification_failed', 'factor_not_found'] })
  async confirmTotp(@CurrentAdmin() admin: AdminPrincipal, @Param() p: FactorIdParams, @Body() body: ConfirmCodeRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    await this.mayEnrol(admin);
    await this.factors.confirmTotp(subjectOf(admin), p.factorId, body.code, req.ip);
    return this.verified(admin, reply);
  }

  @Post('passkeys/options')
  @AdminMfaPending()
  @Endpoint({ summary: 'Options to create a passkey (navigator.credentials.create)', response: WebAuthnOptions, errors: ['mfa_required'] })
  async passkeyOptions(@CurrentAdmin() admin: AdminPrincipal): Promise<Record<string, unknown>> {
    await this.mayEnrol(admin);
    const { admin: row } = await this.auth.sessionOrToken(admin);
    return this.passkeys.registrationOptions(subjectOf(admin), row.email, row.displayName);
  }

  @Post('passkeys')
  @AdminMfaPending()
  @Endpoint({ summary: 'Register a passkey; the session becomes verified', body: PasskeyRegistrationRequest, response: AdminSession, status: 201, errors: ['verification_failed', 'conflict'] })
  async registerPasskey(@CurrentAdmin() admin: AdminPrincipal, @Body() body: PasskeyRegistrationRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    await this.mayEnrol(admin);
    await this.passkeys.register(subjectOf(admin), body.label, body.response, req.ip);
    return this.verified(admin, reply);
  }

  @Post('challenge')
  @AdminMfaPending()
  @Endpoint({ summary: 'Start a second-factor check for this sign-in', response: Challenge, status: 201 })
  async challenge(@CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<Challenge> {
    return this.verification.create(subjectOf(admin), 'admin_sign_in', { sessionId: admin.sessionId, ip: req.ip });
  }

  @Post('challenge/:challengeId/passkey-options')
  @AdminMfaPending()
  @Endpoint({ summary: 'Options to use a passkey (navigator.credentials.get)', params: ChallengeIdParams, response: WebAuthnOptions, errors: ['challenge_not_found', 'factor_unavailable'] })
  passkeyAssertionOptions(@CurrentAdmin() admin: AdminPrincipal, @Param() p: ChallengeIdParams): Promise<Record<string, unknown>> {
    return this.verification.passkeyOptions(subjectOf(admin), p.challengeId);
  }

  @Post('challenge/:challengeId/verify')
  @AdminMfaPending()
  @Endpoint({ summary: 'Answer the check; the session becomes verified', params: ChallengeIdParams, body: VerifyRequest, response: AdminSession, errors: ['verification_failed', 'challenge_not_found'] })
  async verify(@CurrentAdmin() admin: AdminPrincipal, @Param() p: ChallengeIdParams, @Body() body: VerifyRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    await this.verification.verify(subjectOf(admin), p.challengeId, body, req.ip);
    return this.verified(admin, reply);
  }

  @Post('recovery-codes')
  @AdminAuth(Permissions.serversRead)
  @Endpoint({ summary: 'Create recovery codes (replaces any earlier set)', response: RecoveryCodes, status: 201 })
  regenerate(@CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<RecoveryCodes> {
    return this.factors.regenerateRecoveryCodes(subjectOf(admin), req.ip);
  }

  @Delete('factors/:factorId')
  @AdminAuth(Permissions.serversRead)
  @Endpoint({ summary: 'Remove one of your second factors (not the last one)', params: FactorIdParams, status: 204, errors: ['factor_not_found', 'conflict'] })
  async remove(@CurrentAdmin() admin: AdminPrincipal, @Param() p: FactorIdParams, @Req() req: FastifyRequest): Promise<void> {
    const mine = await this.factors.list(subjectOf(admin));
    const strong = mine.filter((f) => f.kind === 'totp' || f.kind === 'passkey');
    if (strong.length === 1 && strong[0]?.id === p.factorId) throw new AppException(409, 'conflict', 'Add another authenticator or passkey before removing your last one: every admin needs a second factor.');
    await this.factors.remove(subjectOf(admin), p.factorId, req.ip);
  }

  /** Enrolling is open to a password-only session only while the admin has no factor at all. */
  private async mayEnrol(admin: AdminPrincipal): Promise<void> {
    if (admin.mfaVerified) return;
    const kinds = await this.factors.activeKinds(subjectOf(admin));
    if (kinds.has('totp') || kinds.has('passkey')) throw new AppException(403, 'mfa_required', 'Verify with your existing second factor first.');
  }

  private async verified(admin: AdminPrincipal, reply: FastifyReply): Promise<AdminSession> {
    if (admin.via !== 'session' || !admin.sessionId) throw AppException.forbidden();
    return startSession(this.auth, this.factors, this.config, await this.auth.elevate(admin.sessionId), reply);
  }
}

function subjectOf(admin: AdminPrincipal): Subject {
  return { kind: 'admin', id: admin.adminId };
}
