import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ForwardAuthMode, ForwardAuthQuery } from '@latchkey/contracts';
import type { EndpointSpec, RawRoute } from '../common/endpoint';
import { ForwardAuthService } from './forward-auth.service';

export const FORWARD_AUTH_PATH = '/api/v1/forward-auth';

const spec: EndpointSpec = {
  summary: 'May this browser reach this protected page? (nginx auth_request, Traefik ForwardAuth, Caddy forward_auth)',
  description: [
    'Asked by a reverse proxy before every request to a host protected for a media server (the server’s `forwardAuthHosts`).',
    'It reads the forward-auth session cookie and the original request from `X-Original-URL` (+ `X-Original-Method`) or `X-Forwarded-Proto`/`-Host`/`-Uri`/`-Method` — headers believed only from the reverse proxies in `LATCHKEY_TRUSTED_PROXIES`.',
    'When the session satisfies the owner’s policies for that host: 200 and the member in `Remote-*` headers. Without a session (or one that must verify again): 401 with `Location` set to the sign-in page (`mode=status`, for nginx), or 302 there (`mode=redirect`, for Traefik and Caddy; also chosen by the header `X-Latchkey-Mode: redirect`).',
    'Anything else — a peer that is not a trusted proxy, a missing, repeated or malformed URL header, an unknown host, a garbage or oversized cookie, a member of another server, a refusing policy, the database unavailable, any error — answers 403, never 200.',
    'Any HTTP method is answered the same way (nginx sends the original method).',
  ].join('\n\n'),
  query: ForwardAuthQuery,
  security: ['forwardAuthSession'],
  responseHeaders: {
    'Remote-User': 'The member’s user name on the media server.',
    'Remote-Name': 'Display name (the user name when there is none).',
    'Remote-Email': 'E-mail address, when the media server gave one.',
    'Remote-Groups': 'Group names, comma-separated.',
    'X-Latchkey-Decision': '`allow` or `allow_in_grace`.',
  },
  otherResponses: { '302': { description: '`mode=redirect`: to the sign-in page, which brings the member back afterwards.', headers: { Location: 'The sign-in page, with the original URL in `rd`.' } } },
  errors: ['unauthenticated', 'forbidden'],
};

export const FORWARD_AUTH_ROUTE: RawRoute = { method: 'GET', path: FORWARD_AUTH_PATH, tag: 'ForwardAuth', handler: 'check', auth: { kind: 'public' }, spec };

/**
 * Serves GET (and every other method of) /api/v1/forward-auth straight from Fastify: a proxy asks it for
 * every request of every page, so it skips Nest's pipeline and does its own checking. Every path out of
 * the handler is an explicit answer; an exception becomes 403.
 */
@Injectable()
export class ForwardAuthRoute implements OnApplicationBootstrap {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly forwardAuth: ForwardAuthService,
  ) {}

  onApplicationBootstrap(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: FORWARD_AUTH_PATH,
      // The proxy sends no body (and any it sends is not read).
      bodyLimit: 1,
      handler: (req, reply) => this.handle(req, reply),
    });
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    let mode: ForwardAuthMode | null;
    try {
      mode = modeOf(req);
    } catch {
      mode = null;
    }
    const answer = mode
      ? await this.forwardAuth.check({ peer: req.raw.socket.remoteAddress, headers: req.headers, mode })
      : { status: 403 as const, headers: {}, error: { code: 'validation_failed' as const, message: 'mode must be status or redirect.' } };
    reply.code(answer.status).header('cache-control', 'no-store');
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    if (answer.status === 200) return reply.send();
    return reply.type('application/json; charset=utf-8').send({ error: { ...answer.error, requestId: req.id } });
  }
}

function modeOf(req: FastifyRequest): ForwardAuthMode | null {
  const header = req.headers['x-latchkey-mode'];
  const parsed = ForwardAuthQuery.safeParse(req.query ?? {});
  if (!parsed.success) return null;
  if (header === undefined) return parsed.data.mode;
  if (header === 'redirect' || header === 'status') return header;
  return null;
}
