import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request id: the caller's `X-Request-Id` when it is safe to echo, else a new one. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Requests answered by the HTTP server before Fastify sees them: a route a reverse proxy calls for every
 * request of every page (forward-auth) cannot afford a framework's per-request work. A handler returns
 * false for requests that are not its own; those go to Fastify as usual. Installed once the application
 * is built; until then everything goes to Fastify.
 */
export class FastPath {
  private handler: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;

  install(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void {
    this.handler = handler;
  }

  handles(req: IncomingMessage, res: ServerResponse): boolean {
    return this.handler !== null && this.handler(req, res);
  }
}
