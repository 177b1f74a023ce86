import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode, ForwardAuthMode, ServerKind } from '@latchkey/contracts';
import { decide, type Decision } from '@latchkey/policy-engine';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Db } from '../database/db';
import { POLICIES, policyFromRow, type PolicyRow } from '../policies/policy-rows';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { MemberSessionsService } from '../portal/member-sessions.service';
import { AnswerCache } from './answer-cache';
import { originalRequest, parseReturnUrl } from './original-request';
import { proxySessionToken } from './proxy-session';
import { TrustedProxies } from './trusted-proxies';

export interface ForwardAuthRequest {
  /** The socket peer (the reverse proxy, when it is one of LATCHKEY_TRUSTED_PROXIES). */
  peer: string | undefined;
  headers: IncomingHttpHeaders;
  mode: ForwardAuthMode;
}

/** What the proxy is told: 200 with the member's headers, 401/302 towards the sign-in page, or 403. */
export interface ForwardAuthAnswer {
  status: 200 | 302 | 401 | 403;
  headers: Record<string, string>;
  error?: { code: ErrorCode; message: string };
}

/** A protected host and the media server it belongs to. */
export interface ProtectedHost {
  serverId: string;
  name: string;
  kind: ServerKind;
  baseUrl: string;
}

/** A session's standing for one server, as remembered by the cache. */
type Verdict = { kind: 'allow'; headers: Record<string, string> } | { kind: 'sign_in' } | { kind: 'refuse'; code: ErrorCode; message: string };

const HOST_LIST_SECONDS = 5;

/**
 * The question a reverse proxy asks before every request to a protected host: does this browser's
 * Latchkey session satisfy the owner's policies for the media server behind that host? Reads only
 * (the session's last-seen time is refreshed at most once a minute); fails closed on anything
 * unexpected. See AnswerCache for what is remembered and when it is forgotten.
 */
@Injectable()
export class ForwardAuthService {
  private readonly logger = new Logger('ForwardAuth');
  private readonly proxies: TrustedProxies;
  private readonly cache = new AnswerCache<Verdict>();
  private hostList: { epoch: number; until: number; hosts: Map<string, ProtectedHost> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: MemberSessionsService,
    private readonly facts: MemberFactsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.proxies = new TrustedProxies(config.trustedProxies);
  }

  /**
   * The answer, synchronously when everything it needs is in memory (a remembered session: the proxy's
   * common case, for every asset of a page), else a promise. Never throws.
   */
  check(req: ForwardAuthRequest): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    try {
      const fast = this.fromMemory(req);
      return fast ?? this.evaluate(req).catch((e: unknown) => this.failed(e));
    } catch (e) {
      return this.failed(e);
    }
  }

  /** The protected host a return URL points to (null for any other URL: no open redirects). */
  async returnTarget(text: string): Promise<{ url: URL; host: ProtectedHost } | null> {
    const url = parseReturnUrl(text);
    if (!url || (this.config.secureCookies && url.protocol !== 'https:')) return null;
    const host = hostIn(await this.hosts(), url);
    return host ? { url, host } : null;
  }

  signInUrl(original: URL): string {
    return `${this.config.publicUrl}/sign-in?rd=${encodeURIComponent(original.href)}`;
  }

  private failed(e: unknown): ForwardAuthAnswer {
    // Database down, a bug, anything: never 200. Forget what was remembered, too.
    this.cache.clear();
    this.hostList = null;
    this.logger.warn(`Forward-auth refused a request after an error: ${(e as Error).message}`);
    return refuse(403, 'forbidden', 'Latchkey could not check this session.');
  }

  /** Answers from memory only; null when the database must be asked. */
  private fromMemory(req: ForwardAuthRequest): ForwardAuthAnswer | null {
    const now = this.clock.now().getTime();
    const hosts = this.hostList && this.hostList.epoch === this.db.writeEpoch && now < this.hostList.until ? this.hostList.hosts : null;
    if (!hosts) return null;
    const asked = this.asked(req, hosts);
    if ('answer' in asked) return asked.answer;
    const verdict = this.cache.get(asked.key, this.db.writeEpoch, now);
    return verdict ? this.toAnswer(verdict, req.mode, asked.url) : null;
  }

  private async evaluate(req: ForwardAuthRequest): Promise<ForwardAuthAnswer> {
    const asked = this.asked(req, await this.hosts());
    if ('answer' in asked) return asked.answer;
    const now = this.clock.now().getTime();
    const epoch = this.db.writeEpoch;
    let verdict = this.cache.get(asked.key, epoch, now);
    if (!verdict) {
      const fresh = await this.decide(asked.token, asked.host, asked.client, now);
      verdict = fresh.verdict;
      if (fresh.until > now) this.cache.set(asked.key, verdict, epoch, fresh.until);
    }
    return this.toAnswer(verdict, req.mode, asked.url);
  }

  /**
   * What is being asked: from whom, for which page of which server, with which session. Or, when it cannot
   * be asked at all, the answer.
   */
  private asked(
    req: ForwardAuthRequest,
    hosts: Map<string, ProtectedHost>,
  ): { answer: ForwardAuthAnswer } | { url: URL; host: ProtectedHost; token: string; client: { ip: string | null; ipTrusted: boolean }; key: string } {
    if (!this.proxies.includes(req.peer)) {
      return { answer: refuse(403, 'forbidden', 'Forward-auth answers only the reverse proxies listed in LATCHKEY_TRUSTED_PROXIES.') };
    }
    const original = originalRequest(req.headers);
    if (!original) return { answer: refuse(403, 'forbidden', 'The proxy did not say, in a form Latchkey accepts, which page was asked for.') };
    const host = hostIn(hosts, original.url);
    if (!host) return { answer: refuse(403, 'forbidden', 'Latchkey does not protect this host.') };
    const token = proxySessionToken(req.headers.cookie, this.config);
    if (token === null) return { answer: this.toAnswer({ kind: 'sign_in' }, req.mode, original.url) };
    const client = this.proxies.clientOf(req.peer, req.headers['x-forwarded-for']);
    // Keyed by the token itself: it lives in this process's memory for a few seconds at most, never on disk.
    return { url: original.url, host, token, client: { ip: client.ip, ipTrusted: client.trusted }, key: `${token}|${host.serverId}|${client.trusted ? (client.ip ?? '') : '?'}` };
  }

  private async decide(token: string, host: ProtectedHost, client: { ip: string | null; ipTrusted: boolean }, now: number): Promise<{ verdict: Verdict; until: number }> {
    const found = await this.sessions.authenticate(token);
    if (!found) return { verdict: { kind: 'sign_in' }, until: 0 };
    const { session, member } = found;
    const ttl = now + this.config.forwardAuth.cacheSeconds * 1000;
    if (member.serverId !== host.serverId) {
      return { verdict: { kind: 'refuse', code: 'forbidden', message: `Your account is not one of ${host.name}'s.` }, until: ttl };
    }
    const at = new Date(now);
    const [facts, policyRows] = await Promise.all([
      this.facts.factsFor(member, at),
      this.db.raw<PolicyRow>(this.db.manager, POLICIES),
    ]);
    const policies = policyRows.map(policyFromRow);
    const decision = decide({ now: at, action: 'login', libraryId: null, member: facts, policies, client, device: { trusted: false, verifiedAt: session.verifiedAt } });

    // Remembered no longer than the session lives, nor past a deadline, a re-verification or an exemption's end.
    const bounds = [ttl, this.sessions.sessionExpiry(session).getTime()];
    if (decision.deadline) bounds.push(decision.deadline.getTime());
    for (const p of policies) if (p.enabled && p.reverifyAfterHours !== null && session.verifiedAt) bounds.push(session.verifiedAt.getTime() + p.reverifyAfterHours * 3_600_000);
    for (const e of facts.exemptions) if (e.expiresAt) bounds.push(e.expiresAt.getTime());
    const until = Math.min(...bounds);

    const verdict = await this.verdictOf(decision, member);
    return { verdict, until: verdict.kind === 'sign_in' ? 0 : until };
  }

  private async verdictOf(decision: Decision, member: { id: string; username: string; displayName: string | null; email: string | null }): Promise<Verdict> {
    switch (decision.decision) {
      case 'allow':
      case 'allow_in_grace': {
        // A `restrict` policy past its deadline that guards everything: the whole host is off limits.
        if (decision.restrictedLibraries === 'all') return { kind: 'refuse', code: 'forbidden', message: decision.explanation };
        const groups = await this.db.raw<{ name: string }>(
          this.db.manager,
          'SELECT g.name FROM member_groups mg JOIN directory_groups g ON g.id = mg.group_id WHERE mg.member_id = ? AND g.removed_at IS NULL ORDER BY g.name',
          [member.id],
        );
        const headers: Record<string, string> = {
          'remote-user': headerValue(member.username),
          'remote-name': headerValue(member.displayName ?? member.username),
          // Always present, empty when unknown: proxies that copy these (Traefik, Caddy) then replace any a client sent.
          'remote-email': headerValue(member.email ?? ''),
          'remote-groups': groups.map((g) => headerValue(g.name).replace(/,/g, ' ')).join(','),
          'x-latchkey-decision': decision.decision,
        };
        return { kind: 'allow', headers };
      }
      case 'challenge':
        // The session has not passed a second factor recently enough for these policies: sign in again.
        return { kind: 'sign_in' };
      default:
        return { kind: 'refuse', code: 'forbidden', message: decision.explanation };
    }
  }

  private toAnswer(verdict: Verdict, mode: ForwardAuthMode, original: URL): ForwardAuthAnswer {
    switch (verdict.kind) {
      case 'allow':
        return { status: 200, headers: verdict.headers };
      case 'refuse':
        return refuse(403, verdict.code, verdict.message);
      case 'sign_in':
        return {
          status: mode === 'redirect' ? 302 : 401,
          headers: { location: this.signInUrl(original) },
          error: { code: 'unauthenticated', message: 'Sign in to continue.' },
        };
    }
  }

  private async hosts(): Promise<Map<string, ProtectedHost>> {
    const now = this.clock.now().getTime();
    const epoch = this.db.writeEpoch;
    if (this.hostList && this.hostList.epoch === epoch && now < this.hostList.until) return this.hostList.hosts;
    const rows = await this.db.raw<{ id: string; name: string; kind: ServerKind; base_url: string; forward_auth_hosts: string }>(
      this.db.manager,
      'SELECT id, name, kind, base_url, forward_auth_hosts FROM servers WHERE forward_auth_hosts IS NOT NULL',
    );
    const hosts = new Map<string, ProtectedHost>();
    for (const r of rows) {
      for (const h of JSON.parse(r.forward_auth_hosts) as string[]) hosts.set(h.toLowerCase(), { serverId: r.id, name: r.name, kind: r.kind, baseUrl: r.base_url });
    }
    this.hostList = { epoch, until: now + HOST_LIST_SECONDS * 1000, hosts };
    return hosts;
  }
}

/** Which server a host belongs to: `host:port` first, then the bare host name. */
function hostIn(hosts: Map<string, ProtectedHost>, url: URL): ProtectedHost | null {
  return hosts.get(url.host.toLowerCase()) ?? hosts.get(url.hostname.toLowerCase()) ?? null;
}

function refuse(status: 403, code: ErrorCode, message: string): ForwardAuthAnswer {
  return { status, headers: {}, error: { code, message } };
}

/**
 * A directory value as an HTTP header value: control characters dropped; non-ASCII text sent as its UTF-8
 * bytes (what proxies pass through unchanged and applications read back as UTF-8).
 */
function headerValue(s: string): string {
  // eslint-disable-next-line no-control-regex -- dropping control characters is the point
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return /^[\x20-\x7e]*$/.test(clean) ? clean : Buffer.from(clean, 'utf8').toString('latin1');
}
