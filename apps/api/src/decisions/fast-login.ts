import type { INestApplicationContext } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoginDecisionRequest } from '@latchkey/contracts';
import { bearerToken } from '../common/secret-tokens';
import { ServersService } from '../servers/servers.service';
import { DecisionsService } from './decisions.service';

const LOGINS = '/api/v1/logins';

/**
 * POST /api/v1/logins, the request every media server sends at every sign-in, answered before Nest's
 * pipeline when it can be: the API key and the body checked as the guard and the validation would, then
 * `DecisionsService.loginNow` (synchronous SQLite). Whenever the hot path cannot answer (bad key, bad body,
 * anything that needs a write, PostgreSQL, any error) the request continues to the ordinary controller,
 * which answers it, errors included. Returns the function that switches it on once the app exists.
 */
export function registerFastLogin(fastify: FastifyInstance): (app: INestApplicationContext) => void {
  let answer: ((authorization: string | undefined, body: unknown) => object | null) | null = null;
  fastify.addHook('preHandler', (req, reply, done) => {
    if (answer && req.method === 'POST' && req.routeOptions.url === LOGINS) {
      const out = answer(req.headers.authorization, req.body);
      if (out) {
        void reply.send(out);
        return;
      }
    }
    done();
  });
  return (app) => {
    const servers = app.get(ServersService);
    const decisions = app.get(DecisionsService);
    answer = (authorization, body) => {
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
  };
}
