import { Body, Controller, Delete, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  Challenge,
  ChallengeIdParams,
  ConfirmCodeRequest,
  CreatePortalLinkRequest,
  EmailCodeSent,
  FactorIdParams,
  FactorList,
  MemberExternalIdParams,
  MemberSelf,
  PasskeyRegistrationRequest,
  PendingFactor,
  PortalLink,
  RecoveryCodes,
  RecoveryCodesStatus,
  StartEmailFactorRequest,
  StartPortalSessionRequest,
  TotpEnrolment,
  VerifyRequest,
  VerifyResult,
  WebAuthnOptions,
} from '@latchkey/contracts';
import { clientOf } from '../admin-auth/admin-auth.controller';
import { clearSessionCookie, setSessionCookie } from '../admin-auth/session-cookie';
import { Endpoint, MemberAuth, Public, ServerAuth } from '../common/endpoint';
import { CurrentMember, CurrentServer, MemberPrincipal, ServerPrincipal } from '../common/principal';
import { iso } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MemberSessionEntity } from '../database/entities';
import { PortalService } from './portal.service';
import { MemberSessionsService } from './member-sessions.service';

/** Links into the member pages, minted by a media server for a member it has just signed in. */
@Controller('directory/members/:externalId/links')
export class PortalLinksController {
  constructor(private readonly sessions: MemberSessionsService) {}

  @Post()
  @ServerAuth()
  @Endpoint({
    summary: 'Mint a single-use link to the member pages for one of your members',
    description: 'Give it only to the member you have just signed in. Valid 15 minutes, used once.',
    params: MemberExternalIdParams,
    body: CreatePortalLinkRequest,
    response: PortalLink,
    status: 201,
    errors: ['member_not_found'],
  })
  async mint(@CurrentServer() server: ServerPrincipal, @Param() p: { externalId: string }, @Body() body: CreatePortalLinkRequest): Promise<PortalLink> {
    const link = await this.sessions.mintLink(server.serverId, p.externalId, body.purpose);
    return { url: link.url, expiresAt: iso(link.expiresAt) };
  }
}

/** The member pages' API: a member's own factors, and verifying it is them. */
@Controller()
export class PortalController {
  constructor(
    private readonly sessions: MemberSessionsService,
    private readonly portal: PortalService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('portal/session')
  @Public()
  @Endpoint({ summary: 'Start a member-pages session from a link', body: StartPortalSessionRequest, response: MemberSelf, status: 201, errors: ['link_invalid'] })
  async start(@Body() body: StartPortalSessionRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemberSelf> {
    const { token, info } = await this.sessions.start(body.link, clientOf(req));
    return this.open(reply, token, info.session);
  }

  @Delete('portal/session')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Sign out of the member pages', status: 204 })
  async end(@CurrentMember() me: MemberPrincipal, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.end(me.sessionId);
    clearSessionCookie(reply, this.config, 'member');
  }

  @Get('me')
  @MemberAuth()
  @Endpoint({ summary: 'Who you are here, and your sign-in methods', response: MemberSelf })
  self(@CurrentMember() me: MemberPrincipal): Promise<MemberSelf> {
    return this.portal.self(me);
  }

  @Get('me/factors')
  @MemberAuth()
  @Endpoint({ summary: 'Your sign-in methods', response: FactorList })
  async factors(@CurrentMember() me: MemberPrincipal): Promise<FactorList> {
    return { items: await this.portal.listFactors(me) };
  }

  @Post('me/factors/totp')
  @MemberAuth()
  @Endpoint({ summary: 'Start setting up an authenticator app', response: TotpEnrolment, status: 201, errors: ['verification_required'] })
  startTotp(@CurrentMember() me: MemberPrincipal): Promise<TotpEnrolment> {
    return this.portal.startTotp(me);
  }

  @Post('me/factors/totp/:factorId/confirm')
  @MemberAuth()
  @Endpoint({ summary: 'Confirm the authenticator app with a code from it', params: FactorIdParams, body: ConfirmCodeRequest, response: MemberSelf, errors: ['verification_failed', 'factor_not_found', 'verification_required'] })
  async confirmTotp(@CurrentMember() me: MemberPrincipal, @Param() p: FactorIdParams, @Body() body: ConfirmCodeRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemberSelf> {
    await this.portal.confirmTotp(me, p.factorId, body.code, req.ip);
    return this.elevated(me, reply);
  }

  @Post('me/factors/email')
  @MemberAuth()
  @Endpoint({ summary: 'Start using e-mail codes: sends a code to confirm the address', body: StartEmailFactorRequest, response: PendingFactor, status: 201, errors: ['verification_required', 'factor_unavailable', 'rate_limited', 'email_unavailable'] })
  startEmail(@CurrentMember() me: MemberPrincipal, @Body() body: StartEmailFactorRequest, @Req() req: FastifyRequest): Promise<PendingFactor> {
    return this.portal.startEmail(me, body.email, req.ip);
  }

  @Post('me/factors/email/:factorId/confirm')
  @MemberAuth()
  @Endpoint({ summary: 'Confirm the e-mail address with the code sent to it', params: FactorIdParams, body: ConfirmCodeRequest, response: MemberSelf, errors: ['verification_failed', 'factor_not_found'] })
  async confirmEmail(@CurrentMember() me: MemberPrincipal, @Param() p: FactorIdParams, @Body() body: ConfirmCodeRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemberSelf> {
    await this.portal.confirmEmail(me, p.factorId, body.code, req.ip);
    return this.elevated(me, reply);
  }

  @Post('me/factors/passkeys/options')
  @MemberAuth()
  @Endpoint({ summary: 'Options to create a passkey (navigator.credentials.create)', response: WebAuthnOptions, errors: ['verification_required'] })
  passkeyOptions(@CurrentMember() me: MemberPrincipal): Promise<Record<string, unknown>> {
    return this.portal.passkeyOptions(me);
  }

  @Post('me/factors/passkeys')
  @MemberAuth()
  @Endpoint({ summary: 'Register a passkey', body: PasskeyRegistrationRequest, response: MemberSelf, status: 201, errors: ['verification_failed', 'verification_required', 'conflict'] })
  async registerPasskey(@CurrentMember() me: MemberPrincipal, @Body() body: PasskeyRegistrationRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemberSelf> {
    await this.portal.registerPasskey(me, body.label, body.response, req.ip);
    return this.elevated(me, reply);
  }

  @Get('me/factors/recovery-codes')
  @MemberAuth()
  @Endpoint({ summary: 'How many recovery codes you have left', response: RecoveryCodesStatus })
  recoveryStatus(@CurrentMember() me: MemberPrincipal): Promise<RecoveryCodesStatus> {
    return this.portal.recoveryStatus(me);
  }

  @Post('me/factors/recovery-codes')
  @MemberAuth()
  @Endpoint({ summary: 'Create recovery codes (replaces any earlier set); shown once', response: RecoveryCodes, status: 201, errors: ['verification_required'] })
  regenerate(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<RecoveryCodes> {
    return this.portal.regenerateRecoveryCodes(me, req.ip);
  }

  @Delete('me/factors/:factorId')
  @MemberAuth()
  @Endpoint({ summary: 'Remove a sign-in method', params: FactorIdParams, status: 204, errors: ['factor_not_found', 'verification_required'] })
  async remove(@CurrentMember() me: MemberPrincipal, @Param() p: FactorIdParams, @Req() req: FastifyRequest): Promise<void> {
    await this.portal.remove(me, p.factorId, req.ip);
  }

  @Post('me/challenges')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Start confirming it is you (needed before changing sign-in methods)', response: Challenge, status: 201 })
  challenge(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<Challenge> {
    return this.portal.stepUp(me, req.ip);
  }

  @Get('me/challenges/:challengeId')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'A challenge of yours', params: ChallengeIdParams, response: Challenge, errors: ['challenge_not_found'] })
  getChallenge(@CurrentMember() me: MemberPrincipal, @Param() p: ChallengeIdParams): Promise<Challenge> {
    return this.portal.challenge(me, p.challengeId);
  }

  @Post('me/challenges/:challengeId/email')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'E-mail a code for this challenge (a new code replaces the previous one)', params: ChallengeIdParams, response: EmailCodeSent, errors: ['challenge_not_found', 'factor_unavailable', 'rate_limited', 'email_unavailable'] })
  sendEmail(@CurrentMember() me: MemberPrincipal, @Param() p: ChallengeIdParams, @Req() req: FastifyRequest): Promise<EmailCodeSent> {
    return this.portal.sendEmailCode(me, p.challengeId, req.ip);
  }

  @Post('me/challenges/:challengeId/passkey-options')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Options to use a passkey for this challenge (navigator.credentials.get)', params: ChallengeIdParams, response: WebAuthnOptions, errors: ['challenge_not_found', 'factor_unavailable'] })
  passkeyAssertionOptions(@CurrentMember() me: MemberPrincipal, @Param() p: ChallengeIdParams): Promise<Record<string, unknown>> {
    return this.portal.passkeyAssertionOptions(me, p.challengeId);
  }

  @Post('me/challenges/:challengeId/verify')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Answer a challenge with a code, a recovery code or a passkey', params: ChallengeIdParams, body: VerifyRequest, response: VerifyResult, errors: ['verification_failed', 'challenge_not_found'] })
  async verify(@CurrentMember() me: MemberPrincipal, @Param() p: ChallengeIdParams, @Body() body: VerifyRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<VerifyResult> {
    const done = await this.portal.verify(me, p.challengeId, body, req.ip);
    // Passing a factor raises this session (new id and cookie): for its own step-up, and for a sign-in
    // challenge answered here. (A step-up of another session raises nothing.)
    if ((done.purpose === 'step_up' && done.sessionId === me.sessionId) || done.purpose === 'login') {
      const renewed = await this.elevated(me, reply);
      return { status: 'completed', challengeId: done.id, csrfToken: renewed.csrfToken };
    }
    return { status: 'completed', challengeId: done.id };
  }

  /** A verification raises the session: new id, new cookie, recently verified. */
  private async elevated(me: MemberPrincipal, reply: FastifyReply): Promise<MemberSelf> {
    const { token, session } = await this.sessions.elevate(me.sessionId);
    return this.open(reply, token, session);
  }

  private async open(reply: FastifyReply, token: string, session: MemberSessionEntity): Promise<MemberSelf> {
    setSessionCookie(reply, this.config, token, session.expiresAt, 'member');
    return this.portal.self({ type: 'member', memberId: session.memberId, sessionId: session.id, recentlyVerified: this.sessions.recentlyVerified(session), scope: session.scope });
  }
}
