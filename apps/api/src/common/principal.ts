import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AdminRole } from '@latchkey/contracts';
import { AppException } from './app-exception';

export interface ServerPrincipal {
  type: 'server';
  serverId: string;
  /** The server's reverse proxies, whose X-Forwarded-For it may pass on. */
  trustedProxies: string[];
}
export interface AdminPrincipal {
  type: 'admin';
  adminId: string;
  role: AdminRole;
  via: 'session' | 'token';
  sessionId?: string;
  /** Whether this session passed its second factor (admin tokens always count as passed). */
  mfaVerified: boolean;
}
export interface MemberPrincipal {
  type: 'member';
  memberId: string;
  sessionId: string;
  /** Verified with an existing factor recently enough to change factors. */
  recentlyVerified: boolean;
  /** `pairing`: started from a TV code, limited to answering that request (`pairingChallengeId`). */
  scope?: 'full' | 'pairing';
  pairingChallengeId?: string | null;
}
export type Principal = ServerPrincipal | AdminPrincipal | MemberPrincipal;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function principalOf<T extends Principal['type']>(ctx: ExecutionContext, type: T): Extract<Principal, { type: T }> {
  const p = ctx.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!p || p.type !== type) throw AppException.unauthenticated();
  return p as Extract<Principal, { type: T }>;
}

/** The media server that called (routes marked @ServerAuth). */
export const CurrentServer = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf(ctx, 'server'));

/** The admin who called (routes marked @AdminAuth). */
export const CurrentAdmin = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf(ctx, 'admin'));

/** The member whose pages session called (routes marked @MemberAuth). */
export const CurrentMember = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf(ctx, 'member'));
