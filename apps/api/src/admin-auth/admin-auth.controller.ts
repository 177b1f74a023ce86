import { Body, Controller, Delete, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AdminSession,
  AdminTokenCreated,
  AdminTokenList,
  CompleteSetupRequest,
  CreateAdminTokenRequest,
  LoginRequest,
  Permissions,
  SetupStatus,
  TokenIdParams,
} from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { AdminAuth, Endpoint, Public } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { FactorsService } from '../factors/factors.service';
import { AdminAuthService, IssuedSession, toAdmin } from './admin-auth.service';
import { AdminEntity, AdminSessionEntity } from '../database/entities';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './session-cookie';

@Controller('admin')
export class AdminAuthController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly factors: FactorsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('setup')
  @Public()
  @Endpoint({ summary: 'Whether the owner account exists yet', response: SetupStatus })
  async setupStatus(): Promise<SetupStatus> {
    return { ownerExists: await this.auth.ownerExists() };
  }

  @Post('setup')
  @Public()
  @Endpoint({
    summary: 'Create the owner account with the one-time setup link',
    body: CompleteSetupRequest,
    response: AdminSession,
    status: 201,
    errors: ['setup_token_invalid', 'setup_already_done'],
  })
  async setup(@Body() body: CompleteSetupRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    return startSession(this.auth, this.factors, this.config, await this.auth.completeSetup(body, clientOf(req)), reply);
  }

  @Post('session')
  @Public()
  @Endpoint({ summary: 'Sign in as an admin', body: LoginRequest, response: AdminSession, errors: ['invalid_credentials'] })
  async login(@Body() body: LoginRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    // A sign-in always starts a new session (new id), whatever cookie came with it.
    return startSession(this.auth, this.factors, this.config, await this.auth.login(body, clientOf(req)), reply);
  }

  @Get('session')
  @Public()
  @Endpoint({ summary: 'The current admin session', response: AdminSession, errors: ['unauthenticated'] })
  async current(@Req() req: FastifyRequest): Promise<AdminSession> {
    const found = await this.auth.authenticateSession(readSessionCookie(req, this.config));
    if (!found) throw AppException.unauthenticated();
    return describeSession(this.auth, this.factors, found.admin, found.session);
  }

  @Delete('session')
  @Public()
  @Endpoint({ summary: 'Sign out', status: 204 })
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const found = await this.auth.authenticateSession(readSessionCookie(req, this.config));
    if (found) {
      if (!this.auth.checkCsrf(found.session.id, header(req, 'x-csrf-token'))) throw new AppException(403, 'csrf_failed');
      await this.auth.logout(found.session.id);
    }
    clearSessionCookie(reply, this.config);
  }

  @Get('tokens')
  @AdminAuth(Permissions.tokensManage)
  @Endpoint({ summary: 'List your admin API tokens', response: AdminTokenList })
  async listTokens(@CurrentAdmin() admin: AdminPrincipal): Promise<AdminTokenList> {
    return { items: await this.auth.listTokens(admin.adminId) };
  }

  @Post('tokens')
  @AdminAuth(Permissions.tokensManage, { reauth: true })
  @Endpoint({ summary: 'Create a personal admin API token', description: 'The secret is returned once.', body: CreateAdminTokenRequest, response: AdminTokenCreated, status: 201 })
  createToken(@CurrentAdmin() admin: AdminPrincipal, @Body() body: CreateAdminTokenRequest): Promise<AdminTokenCreated> {
    return this.auth.createToken(admin.adminId, body);
  }

  @Delete('tokens/:tokenId')
  @AdminAuth(Permissions.tokensManage)
  @Endpoint({ summary: 'Revoke an admin API token', params: TokenIdParams, status: 204, errors: ['token_not_found'] })
  async revokeToken(@CurrentAdmin() admin: AdminPrincipal, @Param() p: TokenIdParams): Promise<void> {
    await this.auth.revokeToken(admin.adminId, p.tokenId);
  }

}

/** Sets the session cookie and describes the session, including where the admin stands with MFA. */
export async function startSession(auth: AdminAuthService, factors: FactorsService, config: AppConfig, issued: IssuedSession, reply: FastifyReply): Promise<AdminSession> {
  setSessionCookie(reply, config, issued.token, issued.session.expiresAt);
  return describeSession(auth, factors, issued.admin, issued.session);
}

export async function describeSession(auth: AdminAuthService, factors: FactorsService, admin: AdminEntity, session: AdminSessionEntity): Promise<AdminSession> {
  const kinds = await factors.activeKinds({ kind: 'admin', id: admin.id });
  const mfa = session.mfaVerifiedAt ? 'verified' : kinds.has('totp') || kinds.has('passkey') ? 'required' : 'enrol_required';
  return { admin: toAdmin(admin), csrfToken: auth.csrfTokenFor(session.id), expiresAt: auth.sessionExpiry(session).toISOString(), mfa };
}

export function clientOf(req: FastifyRequest) {
  return { ip: req.ip, userAgent: header(req, 'user-agent') };
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
