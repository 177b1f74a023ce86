import type { IncomingHttpHeaders } from 'node:http';

/** What the member's browser asked the reverse proxy for, as the proxy reports it. */
export interface OriginalRequest {
  url: URL;
  method: string;
}

/** Longest header value believed; anything longer is malformed (and refused). */
const MAX_HEADER = 4096;
const METHOD = /^[A-Z]{1,16}$/;
// Printable ASCII only: no spaces, no control characters, no raw non-ASCII (proxies send them encoded).
const URL_CHARS = /^[\x21-\x7e]+$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function one(headers: IncomingHttpHeaders, name: string): string | undefined | null {
  const v = headers[name];
  if (v === undefined) return undefined;
  // Sent twice: two proxies disagree, or a client added its own. Either way, not to be believed.
  if (Array.isArray(v) || typeof v !== 'string' || v.length > MAX_HEADER) return null;
  return v;
}

/**
 * The original request from the headers a trusted reverse proxy sets: `X-Original-URL` (+
 * `X-Original-Method`) from nginx, or `X-Forwarded-Proto`, `-Host`, `-Uri` and `-Method` from Traefik and
 * Caddy (`X-Original-URL` wins when both are there). Returns null for anything missing, repeated,
 * oversized or malformed — the caller then refuses.
 */
export function originalRequest(headers: IncomingHttpHeaders): OriginalRequest | null {
  const original = one(headers, 'x-original-url');
  const forwardedMethod = one(headers, 'x-forwarded-method');
  const originalMethod = one(headers, 'x-original-method');
  if (original === null || forwardedMethod === null || originalMethod === null) return null;
  const method = (original !== undefined ? (originalMethod ?? forwardedMethod) : forwardedMethod) ?? 'GET';
  if (!METHOD.test(method)) return null;
  let text: string;
  if (original !== undefined) {
    text = original;
  } else {
    const proto = one(headers, 'x-forwarded-proto');
    const host = one(headers, 'x-forwarded-host');
    const uri = one(headers, 'x-forwarded-uri');
    if (!proto || !host || !uri) return null;
    if (proto !== 'http' && proto !== 'https') return null;
    if (!HOST.test(host) || !uri.startsWith('/') || uri.startsWith('//')) return null;
    text = `${proto}://${host}${uri}`;
  }
  const parsed = parse(text, method);
  // Browsers never send a fragment; a proxy that passes one on gets it ignored.
  if (parsed) parsed.url.hash = '';
  return parsed;
}

function parse(text: string, method: string): OriginalRequest | null {
  if (text.length > MAX_HEADER || !URL_CHARS.test(text) || !/^https?:\/\/[^/?#\\]+(?:[/?#]|$)/i.test(text)) return null;
  const authority = /^https?:\/\/([^/?#\\]+)/i.exec(text)?.[1] ?? '';
  if (!HOST.test(authority)) return null; // no user:password@, no odd characters the URL parser would tidy away
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
  return { url, method };
}

/**
 * A return URL the sign-in page may send the browser to: absolute http(s) on a host Latchkey protects (the
 * caller checks the host). The same rules as the proxy's headers, so an open redirect is impossible.
 */
export function parseReturnUrl(text: string): URL | null {
  return parse(text, 'GET')?.url ?? null;
}
