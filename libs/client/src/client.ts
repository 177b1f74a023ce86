import type {
  AccessInput,
  ChallengeStatus,
  CreatePortalLinkRequest,
  DecisionResponse,
  DirectorySyncResult,
  ErrorBody,
  LoginChallenge,
  LoginDecisionInput,
  PatchDirectoryInput,
  PortalLink,
  ReplaceDirectoryInput,
  RevocationList,
  ServerSelf,
} from '@latchkey/contracts';
import { errorFor, LatchkeyError } from './errors';

export interface LatchkeyClientOptions {
  /** Where Latchkey is reached, e.g. http://latchkey.lan:8080 */
  baseUrl: string;
  /** The media server's API key (lk_srv_…), shown once when the server was registered. */
  apiKey: string;
  /** Injectable for tests and for runtimes without a global fetch. */
  fetch?: typeof fetch;
  /** Injectable wait (tests pass one that moves a fake clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Per request (default 10 s). A request that takes longer fails with `timeout`. */
  timeoutMs?: number;
  /** Sent as User-Agent, e.g. "my-jellyfin-plugin/1.2". */
  userAgent?: string;
}

export interface WaitForChallengeOptions {
  /** Stops waiting (the promise rejects with `aborted`). */
  signal?: AbortSignal;
  /** Seconds before the first poll; by default the challenge's own `interval` (or 5). */
  initialInterval?: number;
  /** Overrides the client's wait for this call (say, to wake up early when a webhook arrives). */
  sleep?: (ms: number) => Promise<void>;
  /** Longest wait after a failed poll, in seconds (default 60). */
  maxBackoff?: number;
}

/** Decisions that let the member through (possibly with a notice to show them). */
export function isAllowed(d: Pick<DecisionResponse, 'decision'>): boolean {
  return d.decision === 'allow' || d.decision === 'allow_in_grace';
}

const DEFAULT_INTERVAL_S = 5;

/** The client a media-server plugin or gateway uses to talk to Latchkey. */
export class LatchkeyClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: LatchkeyClientOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL, e.g. http://latchkey.lan:8080');
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? ((...args) => fetch(...args));
  }

  /** Which server the API key belongs to; a cheap way to check the key. */
  self(): Promise<ServerSelf> {
    return this.call('GET', '/api/v1/servers/self');
  }

  /** Replaces the server's whole directory; members not listed are marked removed (never deleted). */
  replaceDirectory(directory: ReplaceDirectoryInput): Promise<DirectorySyncResult> {
    return this.call('PUT', '/api/v1/directory', directory);
  }

  /** Upserts some members, groups or libraries, and marks the ones in `remove` removed. */
  patchDirectory(changes: PatchDirectoryInput): Promise<DirectorySyncResult> {
    return this.call('PATCH', '/api/v1/directory', changes);
  }

  /** Asks whether a member may sign in, after your own password check. */
  login(request: LoginDecisionInput): Promise<DecisionResponse> {
    return this.call('POST', '/api/v1/logins', request);
  }

  /** Asks whether a member may open a library (pass the completed challenge's id, if the sign-in had one). */
  access(request: AccessInput): Promise<DecisionResponse> {
    return this.call('POST', '/api/v1/access', request);
  }

  /** One poll of a challenge. Prefer `waitForChallenge`, which honours `interval` and `slowDown`. */
  challenge(challengeId: string): Promise<ChallengeStatus> {
    return this.call('GET', `/api/v1/challenges/${encodeURIComponent(challengeId)}`);
  }

  /**
   * Polls until the challenge is completed, expired or failed, and resolves with that final status.
   * Waits `interval` seconds between polls — the interval Latchkey gives with every answer, longer after
   * a `slowDown` (RFC 8628) — and backs off (doubling, up to `maxBackoff`) while Latchkey cannot be
   * reached or answers 429/5xx. Other errors (an unknown challenge, a revoked key) reject at once.
   */
  async waitForChallenge(challenge: string | Pick<LoginChallenge, 'id' | 'interval'>, opts: WaitForChallengeOptions = {}): Promise<ChallengeStatus> {
    const id = typeof challenge === 'string' ? challenge : challenge.id;
    const sleep = opts.sleep ?? this.opts.sleep ?? defaultSleep;
    const maxBackoff = opts.maxBackoff ?? 60;
    let interval = opts.initialInterval ?? (typeof challenge === 'string' ? DEFAULT_INTERVAL_S : challenge.interval);
    let backoff = interval;
    for (;;) {
      if (opts.signal?.aborted) throw new LatchkeyError(0, 'aborted', 'Stopped waiting for the challenge.');
      await sleep(backoff * 1000);
      if (opts.signal?.aborted) throw new LatchkeyError(0, 'aborted', 'Stopped waiting for the challenge.');
      let status: ChallengeStatus;
      try {
        status = await this.challenge(id);
      } catch (e) {
        if (!(e instanceof LatchkeyError) || !e.transient) throw e;
        backoff = Math.min(maxBackoff, Math.max(backoff * 2, interval));
        continue;
      }
      if (status.status !== 'pending') return status;
      // Latchkey already lengthens `interval` when it says slowDown; never go below what it asks.
      interval = Math.max(status.interval, status.slowDown ? interval + 5 : 0);
      backoff = interval;
    }
  }

  /**
   * Devices whose trust was revoked since `since` (the previous answer's `next`): end the sessions you hold
   * for them.
   */
  revocations(since?: string, limit?: number): Promise<RevocationList> {
    const q = new URLSearchParams();
    if (since) q.set('since', since);
    if (limit) q.set('limit', String(limit));
    const qs = q.toString();
    return this.call('GET', `/api/v1/revocations${qs ? `?${qs}` : ''}`);
  }

  /** A single-use link (valid 15 minutes) to the member pages, for a member you have just signed in. */
  portalLink(externalId: string, purpose: CreatePortalLinkRequest['purpose'] = 'enrol'): Promise<PortalLink> {
    return this.call('POST', `/api/v1/directory/members/${encodeURIComponent(externalId)}/links`, { purpose });
  }

  /** A single-use link where the member sets up two-step verification. */
  enrolmentLink(externalId: string): Promise<PortalLink> {
    return this.portalLink(externalId, 'enrol');
  }

  /** A single-use link where the member manages their sign-in methods. */
  securityLink(externalId: string): Promise<PortalLink> {
    return this.portalLink(externalId, 'manage');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      // DOMException is not always an Error instance (other realms): look at the name.
      const name = (e as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw errorFor(0, timedOut ? 'timeout' : 'network_error', timedOut ? `Latchkey did not answer within ${timeoutMs} ms.` : `Latchkey could not be reached: ${String((e as { message?: unknown } | null)?.message ?? e)}`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as Partial<ErrorBody> | undefined)?.error;
      if (!err || typeof err.code !== 'string') throw errorFor(res.status, res.status >= 500 ? 'internal_error' : 'unexpected_response', `Latchkey answered HTTP ${res.status}.`);
      throw errorFor(res.status, err.code, err.message ?? `HTTP ${res.status}`, err.details, err.requestId);
    }
    if (json === undefined) throw errorFor(res.status, 'unexpected_response', `Latchkey answered HTTP ${res.status} without a JSON body.`);
    return json as T;
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
