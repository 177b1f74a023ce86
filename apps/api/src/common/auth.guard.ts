import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER, Permissions, roleAllows } from '@latchkey/contracts';
import { AdminAuthService } from '../admin-auth/admin-auth.service';
import { readSessionCookie } from '../admin-auth/session-cookie';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MemberSessionsService } from '../portal/member-sessions.service';
import { ServersService } from '../servers/servers.service';
import { AppException } from './app-exception';
import { Clock } from './clock';
import { AUTH_METADATA, AuthRequirement } from './endpoint';
import type { AdminPrincipal } from './principal';
import { bearerToken } from './secret-tokens';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A route that does not say who may call it is treated as owner-only: deny by default. */
const DEFAULT_REQUIREMENT: AuthRequirement = { kind: 'admin', permission: Permissions.tokensManage };

/** The one global guard. Every route is protected unless it is marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly servers: ServersService,
    private readonly admins: AdminAuthService,
    private readonly members: MemberSessionsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const need =
      this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [ctx.getHandler(), ctx.getClass()]) ?? DEFAULT_REQUIREMENT;
    if (need.kind === 'public') return true;
    const bearer = bearerToken(req.headers.authorization);

    if (need.kind === 'server') {
      const server = await this.servers.authenticate(bearer);
      if (!server) throw AppException.unauthenticated('A valid media-server API key is required (Authorization: Bearer lk_srv_…).');
      req.principal = { type: 'server', serverId: server.id, trustedProxies: server.trustedProxies };
      return true;
    }

    if (need.kind === 'member') {
      const found = await this.members.authenticate(readSessionCookie(req, this.config, 'member'));
      if (!found) throw AppException.unauthenticated('Open the link from your media server again to continue.');
      this.requireCsrf(req, (presented) => this.members.checkCsrf(found.session.id, presented));
      if (found.session.scope === 'pairing' && !need.pairing) {
        throw new AppException(403, 'forbidden', 'This page was opened with a code from a TV or app: it can only answer that request.');
      }
      req.principal = {
        type: 'member',
        memberId: found.member.id,
        sessionId: found.session.id,
        recentlyVerified: this.members.recentlyVerified(found.session),
        scope: found.session.scope,
        pairingChallengeId: found.session.pairingChallengeId,
      };
      return true;
    }

    let principal: AdminPrincipal;
    let mfaVerifiedAt: Date | null = null;
    if (bearer) {
      const found = await this.admins.authenticateToken(bearer);
      if (!found) throw AppException.unauthenticated();
      principal = { type: 'admin', adminId: found.admin.id, role: found.admin.role, via: 'token', mfaVerified: true };
    } else {
      const found = await this.admins.authenticateSession(readSessionCookie(req, this.config));
      if (!found) throw AppException.unauthenticated();
      this.requireCsrf(req, (presented) => this.admins.checkCsrf(found.session.id, presented));
      principal = { type: 'admin', adminId: found.admin.id, role: found.admin.role, via: 'session', sessionId: found.session.id, mfaVerified: found.session.mfaVerifiedAt !== null };
      mfaVerifiedAt = found.session.mfaVerifiedAt;
    }
    req.principal = principal;
    // A password alone opens only the second-factor routes.
    if (!principal.mfaVerified && !need.mfaPending) throw new AppException(403, 'mfa_required');
    if (!roleAllows(principal.role, need.permission)) throw AppException.forbidden();
    if (need.reauth && principal.via === 'session') this.requireRecentMfa(mfaVerifiedAt);
    return true;
  }

  /**
   * Security settings change only from a console session that passed its second factor in the last
   * few minutes (admin API tokens are exempt). Checked last, so nobody re-verifies only to be refused.
   */
  private requireRecentMfa(verifiedAt: Date | null): void {
    const minutes = this.config.adminSession.reauthMinutes;
    if (verifiedAt && this.clock.now().getTime() - verifiedAt.getTime() < minutes * 60_000) return;
    throw new AppException(403, 'reauth_required', undefined, { reauthMinutes: minutes });
  }

  /** Cookie-authenticated state changes need the session's CSRF token and must not come cross-site. */
  private requireCsrf(req: FastifyRequest, check: (presented: string | undefined) => boolean): void {
    if (SAFE_METHODS.has(req.method)) return;
    const csrf = req.headers[CSRF_HEADER];
    if (req.headers['sec-fetch-site'] === 'cross-site' || !this.sameOrigin(req) || !check(typeof csrf === 'string' ? csrf : undefined)) {
      throw new AppException(403, 'csrf_failed');
    }
  }

  /** A browser's Origin, when it sends one, must be Latchkey's own (public URL, or the host it was reached at). */
  private sameOrigin(req: FastifyRequest): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const o = new URL(origin);
      return o.origin === new URL(this.config.publicUrl).origin || o.host === req.headers.host;
    } catch {
      return false; // "null" (sandboxed frames, file:) and anything unreadable
    }
  }
}
