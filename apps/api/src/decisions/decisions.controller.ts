import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { AccessRequest, ChallengeIdParams, ChallengeStatus, DecisionResponse, LoginDecisionRequest } from '@latchkey/contracts';
import { Endpoint, ServerAuth } from '../common/endpoint';
import { CurrentServer, ServerPrincipal } from '../common/principal';
import { DecisionsService } from './decisions.service';

/** What a media server asks at every sign-in and library access. */
@Controller()
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  @Post('logins')
  @ServerAuth()
  @Endpoint({
    summary: 'May this member sign in?',
    description:
      'Answers allow, allow_in_grace (with deadline and enrolment link), challenge (with a challenge to poll, a portal URL and a TV code), enrol_required or deny, with reasons and a plain explanation.',
    body: LoginDecisionRequest,
    response: DecisionResponse,
    errors: ['member_not_found', 'return_url_not_allowed'],
  })
  login(@CurrentServer() server: ServerPrincipal, @Body() body: LoginDecisionRequest): Promise<DecisionResponse> {
    return this.decisions.login(server, body);
  }

  @Post('access')
  @ServerAuth()
  @Endpoint({ summary: 'May this member open this library?', body: AccessRequest, response: DecisionResponse, errors: ['member_not_found'] })
  access(@CurrentServer() server: ServerPrincipal, @Body() body: AccessRequest): Promise<DecisionResponse> {
    return this.decisions.access(server, body);
  }

  @Get('challenges/:challengeId')
  @ServerAuth()
  @Endpoint({ summary: 'Poll a challenge (honour `interval`; `slowDown` means wait longer)', params: ChallengeIdParams, response: ChallengeStatus, errors: ['challenge_not_found'] })
  poll(@CurrentServer() server: ServerPrincipal, @Param() p: ChallengeIdParams): Promise<ChallengeStatus> {
    return this.decisions.poll(server.serverId, p.challengeId);
  }
}
