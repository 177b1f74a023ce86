import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PairingRequest, PairingStarted, StartPairingRequest } from '@latchkey/contracts';
import { clientOf } from '../admin-auth/admin-auth.controller';
import { setSessionCookie } from '../admin-auth/session-cookie';
import { Endpoint, MemberAuth, Public } from '../common/endpoint';
import { CurrentMember, MemberPrincipal } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PairingService } from './pairing.service';

/** /pair on the member pages: the code a TV or app shows, typed on a phone. */
@Controller()
export class PairingController {
  constructor(
    private readonly pairing: PairingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('pairing')
  @Public()
  @Endpoint({
    summary: 'Start answering a TV or app’s sign-in with the code it shows',
    description:
      'Forgiving of case, spaces and dashes. Opens a session that can only confirm it is you (answer `verificationChallengeId`) and then see and approve or deny that request. Rate-limited per address.',
    body: StartPairingRequest,
    response: PairingStarted,
    status: 201,
    errors: ['pairing_code_invalid', 'rate_limited'],
  })
  async start(@Body() body: StartPairingRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PairingStarted> {
    const { token, session, started } = await this.pairing.start(body.userCode, clientOf(req));
    setSessionCookie(reply, this.config, token, session.expiresAt, 'member');
    return started;
  }

  @Get('me/pairing')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'The sign-in request you are answering (after confirming it is you)', response: PairingRequest, errors: ['verification_required', 'challenge_not_found'] })
  describe(@CurrentMember() me: MemberPrincipal): Promise<PairingRequest> {
    return this.pairing.describe(me);
  }

  @Post('me/pairing/approve')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Approve: the TV or app signs in, and stays paired until you remove it', response: PairingRequest, errors: ['verification_required', 'challenge_not_found', 'pairing_code_invalid'] })
  approve(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<PairingRequest> {
    return this.pairing.approve(me, req.ip);
  }

  @Post('me/pairing/deny')
  @MemberAuth({ pairing: true })
  @Endpoint({ summary: 'Deny: the TV or app is refused', response: PairingRequest, errors: ['verification_required', 'challenge_not_found', 'pairing_code_invalid'] })
  deny(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<PairingRequest> {
    return this.pairing.deny(me, req.ip);
  }
}
