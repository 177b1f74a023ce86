import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LatchkeyClient, LatchkeyError, type ChallengeStatus, type DecisionResponse } from '@latchkey/client';
import { ClientAddress, embyAuthorizationOf, isAuthenticationPath } from './auth-request';
import type { GatewayConfig } from './config/config';
import { DirectorySync, realTimers, type Timers } from './directory-sync';
import { JellyfinApi } from './jellyfin-api';
import { createUpstream, endToEndHeaders, forwardHeaders, proxyBuffered, proxyStream, proxyUpgrade, sendJson, type Upstream } from './proxy';
import { presentedCredentials, RevokedTokens } from './revoked-tokens';
import { TrustStore } from './trust-store';
import { injectWebClientScript, isWebIndexPath, serveWebClientScript, VERIFICATIONS_PATH, WEB_CLIENT_SCRIPT_PATH } from './web-client';

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
  /** The current time (grace reminders once a day, verification expiry). */
  now?: () => Date;
  /** Timers for the scheduled directory sync. */
  timers?: Timers;
}

const MAX_AUTH_BODY = 64 * 1024;
/** After the member verified a web sign-in without "remember this device", its retry is let through once within this time. */
const VERIFIED_PASS_MS = 10 * 60_000;
const MAX_VERIFICATIONS = 10_000;

/** A web sign-in waiting for the member to verify at the portal (what the web-client script asks about). */
interface Verification {
  key: string;
  status: ChallengeStatus['status'];
  expiresAt: number;
}

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
  private readonly jellyfin: JellyfinApi;
  private readonly revoked = new RevokedTokens();
  private readonly now: () => Date;
  readonly directorySync: DirectorySync | undefined;
  /** Jellyfin user id → when a grace reminder was last shown on their sessions. */
  private readonly reminded = new Map<string, number>();
  /** Web sign-ins waiting for verification, by an unguessable id given to the web client. */
  private readonly verifications = new Map<string, Verification>();
  /** user + device → until when its next sign-in may pass on the strength of a completed challenge. */
  private readonly verifiedPasses = new Map<string, number>();

  constructor(
    private readonly config: GatewayConfig,
    deps: GatewayDeps = {},
  ) {
    this.upstream = createUpstream(config.jellyfinUrl);
    this.latchkey = new LatchkeyClient({ baseUrl: config.latchkeyUrl, apiKey: config.latchkeyApiKey, sleep: deps.sleep, timeoutMs: 10_000 });
    this.trust = new TrustStore(config.dataDir);
    this.addresses = new ClientAddress(config.trustedProxies);
    this.log = deps.log ?? ((event, fields) => console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields })));
    this.now = deps.now ?? (() => new Date());
    this.jellyfin = new JellyfinApi(this.upstream, config.jellyfinApiKey);
    if (config.directorySyncMinutes > 0) {
      this.directorySync = new DirectorySync({ jellyfin: this.jellyfin, latchkey: this.latchkey, intervalMs: config.directorySyncMinutes * 60_000, timers: deps.timers ?? realTimers, log: this.log });
    }
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      if (isAuthenticationPath(req.url ?? '/') || this.refusesRevoked(req)) {
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
    this.directorySync?.start();
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
          this.verifiedPasses.delete(key);
          this.revoked.revokeDevice(r.deviceId, tokens);
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
    await this.directorySync?.stop();
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
    const url = req.url ?? '/';
    if (this.refusesRevoked(req)) {
      return sendJson(res, 401, { error: 'session_revoked', message: 'This device was signed out by the server’s security settings (Latchkey). Sign in again.' });
    }
    if (url.startsWith('/latchkey/') && this.config.webClientScript) return this.serveOwn(req, res, url);
    if (!isAuthenticationPath(url)) {
      if (this.config.webClientScript && req.method === 'GET' && isWebIndexPath(url)) {
        this.serveWebIndex(req, res).catch((e: unknown) => {
          this.log('gateway.error', { message: (e as Error).message });
          if (!res.headersSent) sendJson(res, 502, { error: 'bad_gateway', message: 'Jellyfin could not be reached through the gateway.' });
          else res.destroy();
        });
        return;
      }
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
    const stored = this.trust.get(userId, deviceId, this.now());

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
    if (decision.decision === 'challenge' && this.takeVerifiedPass(userId, deviceId)) {
      // The member completed this device's challenge (checked with Latchkey by the poller) without asking
      // to remember it: this one retry goes through, as a plugin lets a session through once its challenge completed.
      this.log('login.allowed_challenge_completed', { userId, deviceId });
      this.remember(userId, deviceId, accessToken);
      return relay();
    }
    if (decision.decision === 'allow' || decision.decision === 'allow_in_grace') {
      if (decision.trustToken) await this.trust.set(userId, deviceId, { token: decision.trustToken, expiresAt: decision.trustExpiresAt });
      this.remember(userId, deviceId, accessToken);
      if (decision.decision === 'allow_in_grace') this.inBackground(this.remindInGrace(userId, decision));
      return relay();
    }

    // Withheld: the token Jellyfin just issued must not stay usable.
    if (stored) await this.trust.delete(userId, deviceId);
    await this.logout(accessToken);
    const c = decision.challenge;
    let statusUrl: string | undefined;
    if (decision.decision === 'challenge' && c) {
      const verificationId = this.startPolling(userId, deviceId, c.id, c.interval, Date.parse(c.expiresAt));
      statusUrl = VERIFICATIONS_PATH + verificationId;
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
      ...(statusUrl ? { statusUrl } : {}),
      explanation: decision.explanation,
      ...(decision.enrolUrl ? { enrolUrl: decision.enrolUrl } : {}),
      reasons: decision.reasons.map((r) => r.code),
    });
  }

  /**
   * Follows a challenge in the background; once completed, keeps its trust token for the device's next
   * sign-in (or, without one, lets that next sign-in through once). Returns the id under which the web
   * client script can ask how it went.
   */
  private startPolling(userId: string, deviceId: string, challengeId: string, interval: number, expiresAt: number): string {
    const key = TrustStore.key(userId, deviceId);
    this.polls.get(key)?.abort.abort();
    const abort = new AbortController();
    const verificationId = this.newVerification(key, expiresAt);
    const settle = (status: Verification['status']) => {
      const v = this.verifications.get(verificationId);
      if (v) v.status = status;
    };
    const done = this.latchkey
      .waitForChallenge(challengeId, { signal: abort.signal, initialInterval: interval })
      .then(async (status: ChallengeStatus) => {
        const c = status.completion;
        if (status.status === 'completed' && c && c.deviceId === deviceId && c.memberExternalId === userId) {
          if (c.trustToken) await this.trust.set(userId, deviceId, { token: c.trustToken, expiresAt: c.trustExpiresAt });
          else this.verifiedPasses.set(key, this.now().getTime() + VERIFIED_PASS_MS);
          this.log('challenge.completed', { userId, deviceId, remembered: c.trustToken !== null });
          settle('completed');
        } else {
          this.log('challenge.ended', { userId, deviceId, status: status.status });
          settle(status.status === 'completed' ? 'failed' : status.status);
        }
      })
      .catch((e: unknown) => {
        this.log('challenge.poll_failed', { userId, deviceId, message: (e as Error).message });
        settle('failed');
      })
      .finally(() => {
        if (this.polls.get(key)?.abort === abort) this.polls.delete(key);
      });
    this.polls.set(key, { abort, done });
    return verificationId;
  }

  private newVerification(key: string, expiresAt: number): string {
    const now = this.now().getTime();
    for (const [id, v] of this.verifications) if (v.expiresAt + VERIFIED_PASS_MS <= now || v.key === key) this.verifications.delete(id);
    if (this.verifications.size >= MAX_VERIFICATIONS) this.verifications.delete(this.verifications.keys().next().value as string);
    const id = crypto.randomBytes(18).toString('base64url');
    this.verifications.set(id, { key, status: 'pending', expiresAt: Number.isFinite(expiresAt) ? expiresAt : now + VERIFIED_PASS_MS });
    return id;
  }

  private takeVerifiedPass(userId: string, deviceId: string): boolean {
    const key = TrustStore.key(userId, deviceId);
    const until = this.verifiedPasses.get(key);
    if (until === undefined) return false;
    this.verifiedPasses.delete(key);
    return until > this.now().getTime();
  }

  /** The gateway's own paths: the web client script, and how a web sign-in's verification is going. */
  private serveOwn(req: http.IncomingMessage, res: http.ServerResponse, url: string): void {
    const path = url.split('?')[0] ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed', message: 'Only GET.' });
    if (path === WEB_CLIENT_SCRIPT_PATH) return serveWebClientScript(req, res);
    if (path.startsWith(VERIFICATIONS_PATH)) {
      const v = this.verifications.get(path.slice(VERIFICATIONS_PATH.length));
      if (!v) return sendJson(res, 404, { error: 'not_found', message: 'No such verification (it may have expired).' });
      const expired = v.status === 'pending' && v.expiresAt <= this.now().getTime();
      return sendJson(res, 200, { status: expired ? 'expired' : v.status });
    }
    sendJson(res, 404, { error: 'not_found', message: 'Not found.' });
  }

  /**
   * Jellyfin's web client page, with the gateway's script added. Asked for without conditions (a browser's
   * cached copy may predate the script) in an encoding the client accepts; the gateway answers 304 itself.
   */
  private async serveWebIndex(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headers = this.headersFor(req);
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    delete headers['range'];
    delete headers['if-range'];
    const answer = injectWebClientScript(await proxyBuffered(this.upstream, 'GET', req.url ?? '/', headers, Buffer.alloc(0)));
    const out = endToEndHeaders(answer.headers);
    if (answer.status === 200 && answer.headers.etag && req.headers['if-none-match'] === answer.headers.etag) {
      delete out['content-length'];
      res.writeHead(304, out).end();
      return;
    }
    out['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, out);
    res.end(answer.body);
  }

  /** Refuses (cheaply) a request whose Jellyfin token was issued before its device was revoked in Latchkey. */
  private refusesRevoked(req: http.IncomingMessage): boolean {
    if (!this.revoked.active) return false;
    const presented = presentedCredentials(req.headers, req.url ?? '/');
    const verdict = this.revoked.refuses(presented);
    if (verdict === false) return false;
    this.log('request.refused_revoked', { deviceId: presented.deviceId ?? null, path: (req.url ?? '/').split('?')[0] });
    // A token found by its revoked device name has not been signed out at Jellyfin yet.
    if (verdict === 'newly_found' && presented.token) this.inBackground(this.logout(presented.token));
    return true;
  }

  /**
   * A member in their grace period is told on their active Jellyfin sessions (at most once per
   * `graceReminderHours`), besides the notice Latchkey e-mails them. Best effort, after the answer.
   */
  private async remindInGrace(userId: string, decision: DecisionResponse): Promise<void> {
    if (!this.jellyfin.hasApiKey || this.config.graceReminderHours <= 0) return;
    const now = this.now().getTime();
    const window = this.config.graceReminderHours * 3_600_000;
    const id = userId.toLowerCase().replace(/-/g, '');
    const last = this.reminded.get(id);
    if (last !== undefined && now - last < window) return;
    this.reminded.set(id, now);
    if (this.reminded.size > 100_000) for (const [k, at] of this.reminded) if (now - at >= window) this.reminded.delete(k);
    const deadline = decision.deadline ? new Date(decision.deadline).toISOString().slice(0, 10) : null;
    const where = decision.enrolUrl ? ` Set it up at ${new URL(decision.enrolUrl).origin}.` : '';
    const text = `${decision.explanation}${deadline ? ` Deadline: ${deadline}${decision.daysLeft !== null ? ` (${decision.daysLeft} day${decision.daysLeft === 1 ? '' : 's'} left)` : ''}.` : ''}${where}`;
    for (const s of await this.jellyfin.sessionsOf(userId)) {
      await this.jellyfin.message(s.Id, { Header: 'Two-step verification required soon', Text: text, TimeoutMs: 60_000 });
    }
    this.log('grace.reminded', { userId });
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
    if (!this.jellyfin.hasApiKey) return;
    const message = { Header: 'Approve a new device', Text: `${deviceName} wants to sign in as you. To allow it, go to ${verificationUri} and enter ${userCode}.`, TimeoutMs: 120_000 };
    for (const s of await this.jellyfin.sessionsOf(userId)) {
      if (s.DeviceId === deviceId) continue;
      await this.jellyfin.message(s.Id, message);
    }
  }

  private remember(userId: string, deviceId: string, accessToken: string): void {
    this.revoked.issued(deviceId, accessToken);
    const key = TrustStore.key(userId, deviceId);
    // A device keeps a handful of sessions at most; older ones fall off (bounded memory).
    const tokens = [...(this.sessions.get(key) ?? []), accessToken].slice(-20);
    this.sessions.set(key, tokens);
  }

  /** Ends the session Jellyfin just created, so the withheld token is worthless. */
  private async logout(accessToken: string): Promise<void> {
    try {
      await this.jellyfin.logout(accessToken);
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
