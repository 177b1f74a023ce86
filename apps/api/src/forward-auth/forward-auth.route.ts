import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ForwardAuthMode, ForwardAuthQuery } from '@latchkey/contracts';
import type { EndpointSpec, RawRoute } from '../common/endpoint';
import { requestIdOf } from '../common/fast-path';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Metrics } from '../health/metrics';
import { apiSecurityHeaders } from '../web/security-headers';
import { ForwardAuthAnswer, ForwardAuthService } from './forward-auth.service';

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

const FAILED: ForwardAuthAnswer = { status: 403, headers: {}, error: { code: 'forbidden', message: 'Latchkey could not check this session.' } };
const BAD_MODE: ForwardAuthAnswer = { status: 403, headers: {}, error: { code: 'validation_failed', message: 'mode must be status or redirect.' } };

/**
 * Serves /api/v1/forward-auth (every method: nginx passes the original one on). A proxy asks it for every
 * request of every page, so real HTTP requests are answered straight from the HTTP server (FastPath)
 * without Fastify's or Nest's per-request work; the Fastify route below answers the same way for requests
 * injected in tests. Every path out is an explicit answer; an exception becomes 403.
 */
@Injectable()
export class ForwardAuthRoute implements OnApplicationBootstrap {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly forwardAuth: ForwardAuthService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.securityHeaders = apiSecurityHeaders({ hsts: config.publicUrl.startsWith('https://') });
  }

  private readonly securityHeaders: [string, string][];

  onApplicationBootstrap(): void {
    this.adapter.httpAdapter.getInstance<FastifyInstance>().route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: FORWARD_AUTH_PATH,
      bodyLimit: 1,
      handler: (req, reply) => {
        reply.hijack();
        this.handle(req.raw, reply.raw, req.id);
      },
    });
  }

  /** For FastPath: takes forward-auth requests, leaves everything else to Fastify. */
  nodeHandler(): (req: IncomingMessage, res: ServerResponse) => boolean {
    return (req, res) => {
      const url = req.url ?? '';
      if (!url.startsWith(FORWARD_AUTH_PATH) || (url.length > FORWARD_AUTH_PATH.length && url[FORWARD_AUTH_PATH.length] !== '?')) return false;
      // The proxy sends no body; should one come, Node discards it once the answer is sent.
      this.handle(req, res, null);
      return true;
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse, requestId: string | null): void {
    let answer: ForwardAuthAnswer | Promise<ForwardAuthAnswer>;
    try {
      const mode = modeOf(req.url ?? '', req.headers['x-latchkey-mode']);
      answer = mode ? this.forwardAuth.check({ peer: req.socket.remoteAddress, headers: req.headers, mode }) : BAD_MODE;
    } catch {
      answer = FAILED;
    }
    // A remembered session is answered without waiting for anything.
    if (answer instanceof Promise) void answer.catch(() => FAILED).then((a) => this.write(req, res, requestId, a));
    else this.write(req, res, requestId, answer);
  }

  private write(req: IncomingMessage, res: ServerResponse, knownId: string | null, answer: ForwardAuthAnswer): void {
    this.metrics.forwardAuth.inc({ status: String(answer.status) });
    if (answer.status === 200) {
      // A 200 is read by the reverse proxy alone: nginx (auth_request), Traefik (ForwardAuth) and Caddy
      // (forward_auth) copy the Remote-* headers they are told to into the upstream request and send none
      // of this answer to the browser, so browser-facing security headers (and a request id nobody logs)
      // would be bytes for nothing on the busiest answer. Every answer a browser can see (401, 302, 403)
      // carries them all, and its request id.
      res.writeHead(200, [...flatHeaders(answer.headers), 'cache-control', 'no-store', 'content-length', '0']);
      res.end();
      return;
    }
    const requestId = knownId ?? requestIdOf(req.headers['x-request-id']);
    res.statusCode = answer.status;
    // The API's security headers (CSP, nosniff, no framing, no referrer, no-store …), as on every answer.
    for (const [name, value] of this.securityHeaders) res.setHeader(name, value);
    res.setHeader('x-request-id', requestId);
    for (const name in answer.headers) res.setHeader(name, answer.headers[name] as string);
    const body = JSON.stringify({ error: { ...answer.error, requestId } });
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** `{ name: value }` as Node's flat `[name, value, name, value …]` list for `writeHead`. */
function flatHeaders(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const name in headers) out.push(name, headers[name] as string);
  return out;
}

/** `?mode=status|redirect` (nothing else in the query) or the `X-Latchkey-Mode` header; null when invalid. */
function modeOf(url: string, header: string | string[] | undefined): ForwardAuthMode | null {
  const q = url.indexOf('?');
  let mode: ForwardAuthMode = 'status';
  if (q >= 0 && q < url.length - 1) {
    const parsed = ForwardAuthQuery.safeParse(Object.fromEntries(new URLSearchParams(url.slice(q + 1))));
    if (!parsed.success) return null;
    mode = parsed.data.mode;
  }
  if (header === undefined) return mode;
  return header === 'redirect' || header === 'status' ? header : null;
}
