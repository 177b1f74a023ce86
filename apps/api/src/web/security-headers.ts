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

/** The headers every response carries, whatever its type. */
export function commonSecurityHeaders(opts: { hsts: boolean }): [string, string][] {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
  ];
  if (opts.hsts) headers.push(['strict-transport-security', 'max-age=31536000; includeSubDomains']);
  return headers;
}

/** The headers of a JSON answer from the API. */
export function apiSecurityHeaders(opts: { hsts: boolean }): [string, string][] {
  return [['content-security-policy', API_CSP], ...commonSecurityHeaders(opts), ['cache-control', 'no-store']];
}

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
  for (const [name, value] of commonSecurityHeaders(opts)) reply.header(name, value);
  if (!reply.hasHeader('cache-control') && !req.url.startsWith('/admin/') && req.url.startsWith('/api/')) {
    reply.header('cache-control', 'no-store');
  }
}
