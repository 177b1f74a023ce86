import type {
  AccessRequest,
  ChallengeStatus,
  CreatePortalLinkRequest,
  DecisionResponse,
  LoginDecisionRequest,
  PortalLink,
  DirectorySyncResult,
  ErrorBody,
  ErrorCode,
  PatchDirectoryInput,
  ReplaceDirectoryInput,
  RevocationList,
  ServerSelf,
} from '@latchkey/contracts';

export type {
  AccessRequest,
  ChallengeStatus,
  DecisionResponse,
  DirectorySyncResult,
  ErrorCode,
  LoginDecisionRequest,
  PatchDirectoryInput,
  PortalLink,
  ReplaceDirectoryInput,
  RevocationList,
  ServerSelf,
} from '@latchkey/contracts';

/** An error answered by Latchkey, typed by its stable code. */
export class LatchkeyError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error',
    message: string,
    readonly details?: ErrorBody['error']['details'],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'LatchkeyError';
  }
}

export interface LatchkeyClientOptions {
  /** Where Latchkey is reached, e.g. http://latchkey.lan:8080 */
  baseUrl: string;
  /** The media server's API key (lk_srv_…), shown once when the server was registered. */
  apiKey: string;
  /** Injectable for tests and for runtimes without a global fetch. */
  fetch?: typeof fetch;
  /** Injectable wait (tests pass one that moves a fake clock). */
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

/** The client a media-server plugin or gateway uses to talk to Latchkey. */
export class LatchkeyClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: LatchkeyClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  /** Which server the API key belongs to; a cheap way to check the key. */
  self(): Promise<ServerSelf> {
    return this.call('GET', '/api/v1/servers/self');
  }

  /** Replaces the server's whole directory; members not listed are marked removed. */
  replaceDirectory(directory: ReplaceDirectoryInput): Promise<DirectorySyncResult> {
    return this.call('PUT', '/api/v1/directory', directory);
  }

  /** Upserts some members, groups or libraries, and marks the ones in `remove` removed. */
  patchDirectory(changes: PatchDirectoryInput): Promise<DirectorySyncResult> {
    return this.call('PATCH', '/api/v1/directory', changes);
  }

  /** Asks whether a member may sign in. */
  login(request: LoginDecisionRequest): Promise<DecisionResponse> {
    return this.call('POST', '/api/v1/logins', request);
  }

  /** Asks whether a member may open a library. */
  access(request: AccessRequest): Promise<DecisionResponse> {
    return this.call('POST', '/api/v1/access', request);
  }

  /** One poll of a challenge. Prefer `waitForChallenge`, which honours `interval` and `slowDown`. */
  challenge(challengeId: string): Promise<ChallengeStatus> {
    return this.call('GET', `/api/v1/challenges/${encodeURIComponent(challengeId)}`);
  }

  /**
   * Polls until the challenge is completed, expired or failed, waiting `interval` seconds between polls
   * and longer whenever Latchkey answers `slowDown` (RFC 8628). Resolves with the final status.
   */
  async waitForChallenge(challengeId: string, opts: { signal?: AbortSignal; initialInterval?: number } = {}): Promise<ChallengeStatus> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let interval = opts.initialInterval ?? 5;
    for (;;) {
      if (opts.signal?.aborted) throw new LatchkeyError(0, 'network_error', 'Stopped waiting for the challenge.');
      await sleep(interval * 1000);
      const status = await this.challenge(challengeId);
      if (status.status !== 'pending') return status;
      interval = status.interval;
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

  /** A single-use link to the member pages for a member you have just signed in. */
  portalLink(externalId: string, purpose: CreatePortalLinkRequest['purpose'] = 'enrol'): Promise<PortalLink> {
    return this.call('POST', `/api/v1/directory/members/${encodeURIComponent(externalId)}/links`, { purpose });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new LatchkeyError(0, 'network_error', `Latchkey could not be reached: ${(e as Error).message}`);
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
      throw new LatchkeyError(res.status, err?.code ?? 'internal_error', err?.message ?? `HTTP ${res.status}`, err?.details, err?.requestId);
    }
    return json as T;
  }
}
