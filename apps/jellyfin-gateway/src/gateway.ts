import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LatchkeyClient, LatchkeyError, type ChallengeStatus, type DecisionResponse } from '@latchkey/client';
import { ClientAddress, embyAuthorizationOf, isAuthenticationPath } from './auth-request';
import type { GatewayConfig } from './config/config';
import { createUpstream, endToEndHeaders, forwardHeaders, proxyBuffered, proxyStream, proxyUpgrade, sendJson, type Upstream } from './proxy';
import { TrustStore } from './trust-store';

/** The parts of Jellyfin's AuthenticationResult the gateway reads (see @jellyfin/sdk `AuthenticationResult`). */
interface JellyfinAuthenticationResult {
  User?: { Id?: string; Name?: string | null };
  SessionInfo?: { DeviceId?: string | null; DeviceName?: string | null; Client?: string | null; ApplicationVersion?: string | null };
  AccessToken?: string | null;
}

export interface GatewayDeps {
  /** Waits between challenge polls (tests pass one driven by the test). */
  sleep?: (ms: number) => Promise<void>;
  log?: (event: string, fields?: Record<string, unknown>) => void;
}

const MAX_AUTH_BODY = 64 * 1024;

/**
 * A streaming reverse proxy in front of Jellyfin that asks Latchkey before letting a sign-in through.
 * Everything except Jellyfin's authentication endpoints passes untouched (media, range requests,
 * WebSockets, API-key calls). Authentication requests go to Jellyfin first (it checks the password); a
 * successful answer is held until Latchkey decides: allowed → returned unchanged; otherwise the new
 * access token is logged out at Jellyfin and the client gets a 401 saying what to do.
 */
export class JellyfinGateway {
  readonly server: http.Server;
  private readonly upstream: Upstream;
  private readonly latchkey: LatchkeyClient;
  private readonly trust: TrustStore;
  private readonly addresses: ClientAddress;
  private readonly polls = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly background = new Set<Promise<void>>();
  private readonly log: NonNullable<GatewayDeps['log']>;
  /** Jellyfin access tokens the gateway let through, per user + device, to end them if the device is revoked. */
  private readonly sessions = new Map<string, string[]>();
  private revocationCursor: string | undefined;
  private revocationsPrimed = false;
  private revocationTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: GatewayConfig,
    deps: GatewayDeps = {},
  ) {
    this.upstream = createUpstream(config.jellyfinUrl);
    this.latchkey = new LatchkeyClient({ baseUrl: config.latchkeyUrl, apiKey: config.latchkeyApiKey, sleep: deps.sleep, timeoutMs: 10_000 });
    this.trust = new TrustStore(config.dataDir);
    this.addresses = new ClientAddress(config.trustedProxies);
    this.log = deps.log ?? ((event, fields) => console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields })));
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      if (isAuthenticationPath(req.url ?? '/')) {
        socket.destroy();
        return;
      }
      proxyUpgrade(this.upstream, req, socket, head, this.headersFor(req));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port = this.config.port, host?: string): Promise<number> {
    if (this.config.revocationPollSeconds > 0 && !this.revocationTimer) {
      const sync = () => void this.syncRevocations().catch((e: unknown) => this.log('revocations.failed', { message: (e as Error).message }));
      sync();
      this.revocationTimer = setInterval(sync, this.config.revocationPollSeconds * 1000);
      this.revocationTimer.unref();
    }
    return new Promise((resolve) => this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port)));
  }

  /**
   * Reads Latchkey's revocation feed: for each device revoked since the last read, signs out at Jellyfin the
   * sessions the gateway let through for it and forgets its remembered-device token. The first read only
   * moves past older revocations. Returns how many Jellyfin sessions were ended.
   */
  async syncRevocations(): Promise<number> {
    let ended = 0;
    for (;;) {
      const page = await this.latchkey.revocations(this.revocationCursor, 500);
      if (this.revocationsPrimed) {
        for (const r of page.items) {
          const key = TrustStore.key(r.memberExternalId, r.deviceId);
          const tokens = this.sessions.get(key) ?? [];
          this.sessions.delete(key);
          for (const token of tokens) await this.logout(token);
          ended += tokens.length;
          await this.trust.delete(r.memberExternalId, r.deviceId);
          this.log('device.revoked', { userId: r.memberExternalId, deviceId: r.deviceId, sessionsEnded: tokens.length });
        }
      }
      if (!page.next || page.next === this.revocationCursor || page.items.length === 0) {
        if (page.next) this.revocationCursor = page.next;
        break;
      }
      this.revocationCursor = page.next;
    }
    this.revocationsPrimed = true;
    return ended;
  }

  /** Resolves when every background challenge poll has finished. */
  async idle(): Promise<void> {
    while (this.polls.size > 0 || this.background.size > 0) await Promise.all([...[...this.polls.values()].map((p) => p.done), ...this.background]);
  }

  async close(): Promise<void> {
    for (const p of this.polls.values()) p.abort.abort();
    clearInterval(this.revocationTimer);
    await Promise.all(this.background);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.upstream.agent.destroy();
  }

  private clientIp(req: http.IncomingMessage): string {
    return this.addresses.resolve(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
  }

  private headersFor(req: http.IncomingMessage): http.OutgoingHttpHeaders {
    return forwardHeaders(req, this.clientIp(req), this.addresses.isTrusted(req.socket.remoteAddress ?? ''));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!isAuthenticationPath(req.url ?? '/')) {
      proxyStream(this.upstream, req, res, this.headersFor(req));
      return;
    }
    this.authenticate(req, res).catch((e: unknown) => {
      this.log('gateway.error', { message: (e as Error).message });
      if (!res.headersSent) sendJson(res, 502, { error: 'bad_gateway', message: 'The sign-in could not be completed through the gateway.' });
      else res.destroy();
    });
  }

  private async authenticate(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_AUTH_BODY);
    if (body === null) return sendJson(res, 413, { error: 'payload_too_large', message: 'The sign-in request is too large.' });
    // Ask for an uncompressed answer: the gateway has to read it.
    const headers = { ...this.headersFor(req), 'accept-encoding': 'identity' };
    const answer = await proxyBuffered(this.upstream, req.method ?? 'POST', req.url ?? '/', headers, body);
    const relay = () => {
      const out = endToEndHeaders(answer.headers);
      out['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, out);
      res.end(answer.body);
    };
    const result = answer.status >= 200 && answer.status < 300 ? parseResult(answer.body) : null;
    const userId = result?.User?.Id;
    const accessToken = result?.AccessToken;
    // Wrong password, Quick Connect not authorized yet, …: nothing was issued, Jellyfin's answer stands.
    if (!result || !userId || !accessToken) {
      if (answer.status >= 200 && answer.status < 300) {
        // A success without a readable token is not something the gateway can vouch for.
        this.log('login.unreadable', { status: answer.status });
        return sendJson(res, 502, { error: 'bad_gateway', message: 'Jellyfin answered the sign-in in a form the gateway does not understand.' });
      }
      return relay();
    }

    const auth = embyAuthorizationOf(req.headers);
    const session = result.SessionInfo ?? {};
    const deviceId = auth?.deviceId ?? session.DeviceId ?? undefined;
    const clientIp = this.clientIp(req);
    if (!deviceId) {
      await this.logout(accessToken);
      return sendJson(res, 401, { error: 'device_unknown', message: 'The app did not say which device it is; sign-in refused.' });
    }
    const stored = this.trust.get(userId, deviceId);

    let decision: DecisionResponse;
    try {
      const deviceName = auth?.device ?? session.DeviceName;
      const version = auth?.version ?? session.ApplicationVersion;
      // Clipped to Latchkey's field limits: an odd client must not be locked out by a 400.
      decision = await this.latchkey.login({
        member: { externalId: userId, ...(result.User?.Name ? { username: clip(result.User.Name, 200) } : {}) },
        device: { id: clip(deviceId, 200), ...(deviceName ? { name: clip(deviceName, 200) } : {}) },
        client: { name: clip(auth?.client ?? session.Client ?? 'Unknown Jellyfin client', 100), ...(version ? { version: clip(version, 50) } : {}) },
        ip: { peer: clientIp, forwardedFor: [] },
        ...(stored ? { trustToken: stored.token } : {}),
      });
    } catch (e) {
      const err = e as LatchkeyError;
      const unreachable = err.code === 'network_error' || err.status >= 500;
      if (unreachable && this.config.failOpenForTrustedDevices && stored) {
        this.log('login.allowed_latchkey_unreachable', { userId, deviceId });
        return relay();
      }
      this.log('login.refused_latchkey_error', { userId, deviceId, code: err.code, status: err.status });
      await this.logout(accessToken);
      return sendJson(
        res,
        503,
        unreachable
          ? { error: 'latchkey_unavailable', message: 'Sign-in is paused: the server’s security check (Latchkey) could not be reached. Try again in a few minutes.' }
          : { error: 'login_check_failed', message: 'The server’s security check (Latchkey) refused to answer for this sign-in; ask the server owner.' },
      );
    }

    this.log('login.decision', { userId, deviceId, decision: decision.decision, clientIp });
    if (decision.decision === 'allow' || decision.decision === 'allow_in_grace') {
      if (decision.trustToken) await this.trust.set(userId, deviceId, { token: decision.trustToken, expiresAt: decision.trustExpiresAt });
      this.remember(userId, deviceId, accessToken);
      return relay();
    }

    // Withheld: the token Jellyfin just issued must not stay usable.
    if (stored) await this.trust.delete(userId, deviceId);
    await this.logout(accessToken);
    const c = decision.challenge;
    if (decision.decision === 'challenge' && c) {
      this.startPolling(userId, deviceId, c.id, c.interval);
      this.inBackground(this.tellOtherSessions(userId, deviceId, auth?.device ?? session.DeviceName ?? 'A device', c.userCode, c.verificationUri));
    }
    sendJson(res, 401, {
      error: decision.decision === 'challenge' ? 'verification_required' : decision.decision === 'enrol_required' ? 'enrolment_required' : 'login_denied',
      decision: decision.decision,
      message:
        decision.decision === 'challenge' && c
          ? `${decision.explanation} On your phone or computer, go to ${c.verificationUri} and enter the code ${c.userCode}, then sign in again on this device.`
          : decision.explanation,
      ...(c ? { userCode: c.userCode, verificationUri: c.verificationUri, portalUrl: c.portalUrl, expiresAt: c.expiresAt } : {}),
      ...(decision.enrolUrl ? { enrolUrl: decision.enrolUrl } : {}),
      reasons: decision.reasons.map((r) => r.code),
    });
  }

  /** Follows a challenge in the background; once completed, keeps its trust token for the device's next sign-in. */
  private startPolling(userId: string, deviceId: string, challengeId: string, interval: number): void {
    const key = TrustStore.key(userId, deviceId);
    this.polls.get(key)?.abort.abort();
    const abort = new AbortController();
    const done = this.latchkey
      .waitForChallenge(challengeId, { signal: abort.signal, initialInterval: interval })
      .then(async (status: ChallengeStatus) => {
        const c = status.completion;
        if (status.status === 'completed' && c?.trustToken && c.deviceId === deviceId && c.memberExternalId === userId) {
          await this.trust.set(userId, deviceId, { token: c.trustToken, expiresAt: c.trustExpiresAt });
          this.log('challenge.completed', { userId, deviceId });
        } else {
          this.log('challenge.ended', { userId, deviceId, status: status.status });
        }
      })
      .catch((e: unknown) => this.log('challenge.poll_failed', { userId, deviceId, message: (e as Error).message }))
      .finally(() => {
        if (this.polls.get(key)?.abort === abort) this.polls.delete(key);
      });
    this.polls.set(key, { abort, done });
  }

  private inBackground(task: Promise<void>): void {
    const p = task.catch((e: unknown) => this.log('gateway.background_failed', { message: (e as Error).message })).finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /**
   * Stock Jellyfin apps show only "sign-in failed" for the 401, so with an API key the gateway also shows
   * the pairing code on the member's other active Jellyfin sessions (`POST /Sessions/{id}/Message`).
   */
  private async tellOtherSessions(userId: string, deviceId: string, deviceName: string, userCode: string, verificationUri: string): Promise<void> {
    if (!this.config.jellyfinApiKey) return;
    const auth = { authorization: `MediaBrowser Token="${encodeURIComponent(this.config.jellyfinApiKey)}"`, 'content-type': 'application/json' };
    const list = await proxyBuffered(this.upstream, 'GET', '/Sessions?activeWithinSeconds=960', auth, Buffer.alloc(0));
    if (list.status !== 200) throw new Error(`Jellyfin answered ${list.status} to GET /Sessions`);
    const sessions = JSON.parse(list.body.toString('utf8')) as Array<{ Id?: string | null; UserId?: string; DeviceId?: string | null }>;
    const same = (a: string | undefined) => (a ?? '').toLowerCase().replace(/-/g, '') === userId.toLowerCase().replace(/-/g, '');
    const message = { Header: 'Approve a new device', Text: `${deviceName} wants to sign in as you. To allow it, go to ${verificationUri} and enter ${userCode}.`, TimeoutMs: 120_000 };
    for (const s of sessions) {
      if (!s.Id || !same(s.UserId) || s.DeviceId === deviceId) continue;
      await proxyBuffered(this.upstream, 'POST', `/Sessions/${encodeURIComponent(s.Id)}/Message`, auth, Buffer.from(JSON.stringify(message)));
    }
  }

  private remember(userId: string, deviceId: string, accessToken: string): void {
    const key = TrustStore.key(userId, deviceId);
    // A device keeps a handful of sessions at most; older ones fall off (bounded memory).
    const tokens = [...(this.sessions.get(key) ?? []), accessToken].slice(-20);
    this.sessions.set(key, tokens);
  }

  /** Ends the session Jellyfin just created, so the withheld token is worthless. */
  private async logout(accessToken: string): Promise<void> {
    try {
      await proxyBuffered(this.upstream, 'POST', '/Sessions/Logout', { authorization: `MediaBrowser Token="${encodeURIComponent(accessToken)}"`, 'content-type': 'application/json' }, Buffer.alloc(0));
    } catch (e) {
      this.log('jellyfin.logout_failed', { message: (e as Error).message });
    }
  }
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

function parseResult(body: Buffer): JellyfinAuthenticationResult | null {
  try {
    const json = JSON.parse(body.toString('utf8')) as unknown;
    return json && typeof json === 'object' ? (json as JellyfinAuthenticationResult) : null;
  } catch {
    return null;
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
