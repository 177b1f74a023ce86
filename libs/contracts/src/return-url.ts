import { z } from 'zod';

/** Longest return URL Latchkey keeps (a web client's deep link with its query fits well within it). */
export const RETURN_URL_MAX = 2048;

/**
 * An origin a media server's web client is served from: `https://media.example.com` or
 * `http://jellyfin.lan:8096`. ASCII only (a punycode host is written `xn--…`), no path, no credentials.
 */
export const WebOrigin = z
  .string()
  .trim()
  .max(300)
  .regex(/^https?:\/\/[a-z0-9.[\]:-]+\/?$/i, 'must be an origin: http(s)://host[:port], nothing after it')
  .refine((v) => originOf(v) !== null, 'must be an origin: http(s)://host[:port], nothing after it')
  .meta({ description: 'An origin (http(s)://host[:port]) a web client of this server is served from; hosts in ASCII (punycode).' });

/** `scheme://host[:port]` of an http(s) URL without credentials, in the URL standard's serialisation; else null. */
export function originOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || !u.hostname) return null;
  return u.origin;
}

export type ReturnUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Whether `raw` may be where the member pages send a member back after they verify: an absolute http(s) URL
 * whose origin is exactly one of `allowedOrigins` (the media server's own). Refuses, before parsing,
 * everything a URL parser would quietly repair into something else — so what is checked is what the
 * browser will open: anything but printable ASCII (IDN look-alikes, tabs and newlines the parser drops),
 * backslashes (read as `/` by browsers), scheme-relative `//host`, `https:host` and `https:///host`,
 * credentials (`https://good@evil`), and every other scheme (`javascript:`, `data:`, …).
 */
export function checkReturnUrl(raw: string, allowedOrigins: readonly string[]): ReturnUrlCheck {
  if (raw.length > RETURN_URL_MAX) return { ok: false, reason: `longer than ${RETURN_URL_MAX} characters` };
  if (/[^\x21-\x7e]/.test(raw)) return { ok: false, reason: 'only printable ASCII is allowed (percent-encode the rest; hosts in punycode)' };
  if (raw.includes('\\')) return { ok: false, reason: 'backslashes are not allowed' };
  if (!/^https?:\/\/[^/?#@]/i.test(raw)) return { ok: false, reason: 'must be an absolute http(s) URL' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  const authority = /^https?:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? '';
  if (url.username || url.password || authority.includes('@')) return { ok: false, reason: 'credentials are not allowed in the URL' };
  const origin = originOf(url.href);
  if (!origin || !allowedOrigins.includes(origin)) return { ok: false, reason: `its origin is not one of the server's web origins (${allowedOrigins.join(', ') || 'none'})` };
  // The parser percent-encodes some ASCII (`{`, `"`, …): what is kept must fit too.
  if (url.href.length > RETURN_URL_MAX) return { ok: false, reason: `longer than ${RETURN_URL_MAX} characters once normalised` };
  return { ok: true, url: url.href };
}
