import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CompleteSignInRequest,
  ForwardAuthSignInInfo,
  ForwardAuthSignInQuery,
  PasskeySignInRequest,
  PasswordSignInRequest,
  PasswordSignInResult,
  SignInDone,
  WebAuthnOptions,
} from '@latchkey/contracts';
import { clientOf } from '../admin-auth/admin-auth.controller';
import { setSessionCookie } from '../admin-auth/session-cookie';
import { Endpoint, MemberAuth, Public } from '../common/endpoint';
import { CurrentMember, MemberPrincipal } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { setProxyCookie } from './proxy-session';
import { SignInService } from './sign-in.service';

/** The sign-in page behind forward-auth: where the proxy sends a member who has no session yet. */
@Controller('forward-auth/sign-in')
export class SignInController {
  constructor(
    private readonly signIn: SignInService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @Endpoint({ summary: 'What the sign-in page offers for a protected page', query: ForwardAuthSignInQuery, response: ForwardAuthSignInInfo })
  info(@Query() q: ForwardAuthSignInQuery): Promise<ForwardAuthSignInInfo> {
    return this.signIn.info(q.rd);
  }

  @Post('password')
  @Public()
  @Endpoint({
    summary: 'Sign in with the media-server password (checked by the media server), then answer the second factor',
    description:
      'Opens a member-pages session (cookie) and returns the challenge to answer at POST /api/v1/me/challenges/{id}/verify; then call POST /api/v1/forward-auth/sign-in/complete. Failures and lockouts answer the same.',
    body: PasswordSignInRequest,
    response: PasswordSignInResult,
    status: 201,
    errors: ['invalid_credentials', 'factor_unavailable', 'forbidden', 'service_unavailable'],
  })
  async password(@Body() body: PasswordSignInRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PasswordSignInResult> {
    const done = await this.signIn.password(body, clientOf(req));
    setSessionCookie(reply, this.config, done.token, done.session.expiresAt, 'member');
    return { csrfToken: done.csrfToken, challenge: done.challenge };
  }

  @Post('complete')
  @MemberAuth()
  @Endpoint({
    summary: 'Finish a password sign-in: opens the forward-auth session once the second factor is answered',
    body: CompleteSignInRequest,
    response: SignInDone,
    errors: ['verification_required', 'forbidden'],
  })
  async complete(@CurrentMember() me: MemberPrincipal, @Body() body: CompleteSignInRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SignInDone> {
    const done = await this.signIn.complete(me, body.rd, clientOf(req));
    setProxyCookie(reply, this.config, done.token, done.session.expiresAt);
    return { returnTo: done.returnTo };
  }

  @Post('passkey/options')
  @Public()
  @Endpoint({ summary: 'Options to sign in with a passkey alone (navigator.credentials.get, user verification required)', body: CompleteSignInRequest, response: WebAuthnOptions })
  passkeyOptions(@Body() body: CompleteSignInRequest): Promise<Record<string, unknown>> {
    return this.signIn.passkeyOptions(body.rd);
  }

  @Post('passkey')
  @Public()
  @Endpoint({ summary: 'Sign in with a passkey that verifies its user: opens the forward-auth session', body: PasskeySignInRequest, response: SignInDone, errors: ['verification_failed'] })
  async passkey(@Body() body: PasskeySignInRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SignInDone> {
    const done = await this.signIn.passkey(body.rd, body.response, clientOf(req));
    setProxyCookie(reply, this.config, done.token, done.session.expiresAt);
    return { returnTo: done.returnTo };
  }
}
