import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** CSP for the console, the member pages and the API docs: no inline script, no framing, same origin only. */
export const HTML_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Angular adds component styles at run time; styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Strict security headers on every response. */
export function registerSecurityHeaders(fastify: FastifyInstance, opts: { hsts: boolean }): void {
  fastify.addHook('onSend', async (req, reply, payload) => {
    applySecurityHeaders(req, reply, opts);
    return payload;
  });
}

/** The headers themselves; also used for answers Fastify sends before any hook runs (unroutable URLs). */
export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply, opts: { hsts: boolean }): void {
  const type = String(reply.getHeader('content-type') ?? '');
  // A 304 has no content type, and browsers merge its headers into the cached response: outside the
  // API it gets the pages' CSP (the API's would blank a revisited page; on a cached script or style a
  // CSP does nothing), inside the API it keeps the CSP the response came with.
  if (reply.statusCode === 304) {
    if (!req.url.startsWith('/api/v1/')) reply.header('content-security-policy', HTML_CSP);
  } else {
    reply.header('content-security-policy', type.startsWith('text/html') ? HTML_CSP : API_CSP);
  }
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (opts.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  if (!reply.hasHeader('cache-control') && !req.url.startsWith('/admin/') && req.url.startsWith('/api/')) {
    reply.header('cache-control', 'no-store');
  }
}
