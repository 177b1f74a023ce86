import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER, Permissions, roleAllows } from '@latchkey/contracts';
import { AdminAuthService } from '../admin-auth/admin-auth.service';
import { readSessionCookie } from '../admin-auth/session-cookie';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ServersService } from '../servers/servers.service';
import { AppException } from './app-exception';
import { AUTH_METADATA, AuthRequirement } from './endpoint';
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
      req.principal = { type: 'server', serverId: server.id };
      return true;
    }

    if (bearer) {
      const found = await this.admins.authenticateToken(bearer);
      if (!found) throw AppException.unauthenticated();
      req.principal = { type: 'admin', adminId: found.admin.id, role: found.admin.role, via: 'token' };
    } else {
      const found = await this.admins.authenticateSession(readSessionCookie(req, this.config));
      if (!found) throw AppException.unauthenticated();
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.headers[CSRF_HEADER];
        if (req.headers['sec-fetch-site'] === 'cross-site' || !this.admins.checkCsrf(found.session.id, typeof csrf === 'string' ? csrf : undefined)) {
          throw new AppException(403, 'csrf_failed');
        }
      }
      req.principal = { type: 'admin', adminId: found.admin.id, role: found.admin.role, via: 'session', sessionId: found.session.id };
    }
    if (!roleAllows(req.principal.role, need.permission)) throw AppException.forbidden();
    return true;
  }
}
