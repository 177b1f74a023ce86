import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoginDecisionRequest } from '@latchkey/contracts';
import { bearerToken } from '../common/secret-tokens';
import type { Metrics } from '../health/metrics';
import { ServersService } from '../servers/servers.service';
import { apiSecurityHeaders } from '../web/security-headers';
import { DecisionsService } from './decisions.service';

const LOGINS = '/api/v1/logins';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

type Answer = (authorization: string | undefined, body: unknown) => object | null;

/**
 * POST /api/v1/logins, the request every media server sends at every sign-in, answered without Nest's
 * pipeline when it can be: the API key and the body are checked as the guard and the validation would,
 * then `DecisionsService.loginNow` decides from synchronous SQLite. Whenever the hot path cannot answer
 * (bad key, bad body, anything that needs a write, PostgreSQL, any error) the request goes on to the
 * ordinary controller, which answers it, errors included.
 *
 * Two doors lead to it:
 * - `rawHandler`, in front of Fastify on the real HTTP server: takes a well-formed request (POST, exact
 *   path, JSON content type, a declared length within the body limit, an Authorization header), reads the
 *   body and answers with the same headers the API always sends. What it declines after reading the body is
 *   replayed into Fastify (`inject`) and the answer copied back.
 * - a `preHandler` hook, for requests that reach Fastify anyway (and for in-process tests).
 */
export class FastLogin {
  private answer: Answer | null = null;
  private readonly headers: [string, string][];

  constructor(
    private readonly fastify: FastifyInstance,
    private readonly opts: { bodyLimit: number; hsts: boolean; metrics: Metrics },
  ) {
    this.headers = [['content-type', 'application/json; charset=utf-8'], ...apiSecurityHeaders(opts)];
    fastify.addHook('preHandler', (req, reply, done) => {
      if (this.answer && req.method === 'POST' && req.routeOptions.url === LOGINS) {
        const out = this.answer(req.headers.authorization, req.body);
        if (out) {
          void reply.send(out);
          return;
        }
      }
      done();
    });
  }

  /** Switches it on once the app exists. */
  enable(app: INestApplicationContext): void {
    const servers = app.get(ServersService);
    const decisions = app.get(DecisionsService);
    this.answer = (authorization, body) => {
      try {
        const server = servers.authenticateNow(bearerToken(authorization));
        if (!server) return null;
        const parsed = LoginDecisionRequest.safeParse(body);
        if (!parsed.success) return null;
        return decisions.loginNow({ type: 'server', serverId: server.id, trustedProxies: server.trustedProxies }, parsed.data);
      } catch {
        return null;
      }
    };
  }

  /** For `http.createServer`: true when it took the request (and will answer it, one way or the other). */
  readonly rawHandler = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!this.answer || req.method !== 'POST' || req.url !== LOGINS) return false;
    const type = req.headers['content-type'];
    const length = Number(req.headers['content-length']);
    if (!type || !/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(type) || !(length > 0 && length <= this.opts.bodyLimit) || !req.headers.authorization) return false;
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= this.opts.bodyLimit) chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let out: object | null = null;
      if (size === length) {
        try {
          out = this.answer?.(req.headers.authorization, JSON.parse(raw.toString('utf8'))) ?? null;
        } catch {
          out = null;
        }
      }
      if (out) this.send(req, res, out, started);
      else void this.replay(req, res, raw);
    });
    req.on('error', () => res.destroy());
    return true;
  };

  private send(req: IncomingMessage, res: ServerResponse, out: object, started: bigint): void {
    const body = JSON.stringify(out);
    const incoming = req.headers['x-request-id'];
    res.statusCode = 200;
    for (const [name, value] of this.headers) res.setHeader(name, value);
    res.setHeader('x-request-id', typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID());
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
    this.opts.metrics.observe('POST', LOGINS, 200, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Declined after reading the body: Fastify answers it as if it had come straight in. */
  private async replay(req: IncomingMessage, res: ServerResponse, payload: Buffer): Promise<void> {
    try {
      const answer = await this.fastify.inject({
        method: 'POST',
        url: LOGINS,
        headers: req.headers as Record<string, string>,
        payload,
        remoteAddress: req.socket.remoteAddress,
      });
      res.statusCode = answer.statusCode;
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection') res.setHeader(name, value as string | string[]);
      }
      res.end(answer.rawPayload);
    } catch {
      res.destroy();
    }
  }
}
