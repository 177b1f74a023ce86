/**
 * The client's address as far as it can be believed: the socket peer, or — only when the peer is a
 * trusted proxy — the right-most address of X-Forwarded-For that is not itself a trusted proxy.
 * (Being written.)
 */
export function resolveClientIp(peerIp: string | null, forwardedFor: string[], trustedProxies: string[]): { ip: string | null; trusted: boolean } {
  void forwardedFor;
  void trustedProxies;
  return { ip: peerIp, trusted: peerIp !== null };
}

/** Whether `ip` (IPv4 or IPv6) is inside any of the CIDR ranges (or equals a bare address). (Being written.) */
export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  return cidrs.includes(ip);
}
