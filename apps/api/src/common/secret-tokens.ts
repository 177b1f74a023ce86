import { randomToken, safeEqual, sha256Hex } from '../crypto/primitives';

/**
 * High-entropy secrets Latchkey hands out (server API keys, admin tokens, session tokens): 256 random
 * bits behind a recognisable prefix. Only the SHA-256 is stored; the secret is shown once.
 */
export interface IssuedSecret {
  secret: string;
  hash: string;
  /** Enough of the start to recognise the secret in a list, far too little to guess it. */
  displayPrefix: string;
}

export function issueSecret(prefix: string): IssuedSecret {
  const secret = `${prefix}${randomToken(32)}`;
  return { secret, hash: sha256Hex(secret), displayPrefix: secret.slice(0, prefix.length + 4) };
}

/** The hash to look a presented secret up by, or null when it cannot be one of ours. */
export function hashPresentedSecret(prefix: string, presented: string | undefined | null): string | null {
  if (!presented || !presented.startsWith(prefix) || presented.length !== prefix.length + 43) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(presented.slice(prefix.length))) return null;
  return sha256Hex(presented);
}

export function hashesMatch(a: string, b: string): boolean {
  return safeEqual(a, b);
}

/** The bearer token from an Authorization header, if any. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
