import { ipInCidrs, resolveClientIp } from '@latchkey/policy-engine';

/** The names LATCHKEY_TRUSTED_PROXIES accepts besides addresses and CIDRs (as Fastify's trustProxy does). */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export function expandProxyRanges(entries: string[]): string[] {
  return entries.flatMap((e) => NAMED_RANGES[e.toLowerCase()] ?? [e]);
}

/**
 * Whether a socket peer is one of the configured reverse proxies. Answers are remembered per address (a
 * handful of proxies talk to Latchkey); the memory is bounded.
 */
export class TrustedProxies {
  readonly ranges: string[];
  private readonly seen = new Map<string, boolean>();
  private readonly clients = new Map<string, { ip: string | null; trusted: boolean }>();

  constructor(entries: string[]) {
    this.ranges = expandProxyRanges(entries);
  }

  includes(peer: string | undefined): boolean {
    if (!peer || this.ranges.length === 0) return false;
    let trusted = this.seen.get(peer);
    if (trusted === undefined) {
      trusted = ipInCidrs(peer, this.ranges);
      if (this.seen.size >= 1024) this.seen.clear();
      this.seen.set(peer, trusted);
    }
    return trusted;
  }

  /** The client's address through this proxy chain (see resolveClientIp), remembered per peer and header. */
  clientOf(peer: string | undefined, forwardedFor: string | string[] | undefined): { ip: string | null; trusted: boolean } {
    const list = typeof forwardedFor === 'string' ? [forwardedFor] : (forwardedFor ?? []);
    const key = `${peer ?? ''}|${list.join('|')}`;
    let client = this.clients.get(key);
    if (!client) {
      client = resolveClientIp(peer ?? null, list, this.ranges);
      if (this.clients.size >= 10_000) this.clients.clear();
      this.clients.set(key, client);
    }
    return client;
  }
}
