import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LatchkeyClient, LatchkeyError, isAllowed, verifyWebhookSignature, type ChallengeStatus, type DecisionResponse, type LoginChallenge } from '@latchkey/client';

/**
 * A media-server stand-in that integrates Latchkey the way a Jellyfin or Emby plugin would. It keeps its
 * own users and passwords (Latchkey never sees them), pushes its directory, and at every sign-in asks
 * Latchkey; every library it opens, it asks again.
 *
 * Its HTTP API borrows Jellyfin's shape where it exists:
 * - `POST /Users/AuthenticateByName` `{ Username, Pw }` — the password check, then Latchkey's decision:
 *   200 with an `AccessToken` (allowed), 202 with a pending login (a challenge: web clients go to
 *   `portalUrl`, TVs show `userCode` at `verificationUri`), or 403 with an explanation and an enrolment link.
 * - `GET /Sessions/Pending/{id}` — the pending login; it becomes 200 with an `AccessToken` once the member
 *   has verified (the stand-in polls Latchkey in the background, honouring `interval` and `slowDown`).
 * - `GET /Users/{userId}/Items?ParentId={libraryId}` with `X-Emby-Token` — opens a library after asking
 *   Latchkey `POST /api/v1/access`.
 * - `GET /Latchkey/Security` with `X-Emby-Token` — a single-use link to the member's security page.
 * - `POST /Latchkey/Webhook` — a signed webhook from Latchkey (verified with the SDK); wakes up a poll.
 */

export interface StandInUser {
  id: string;
  name: string;
  password: string;
  email?: string;
  groups?: string[];
}

export interface StandInLibrary {
  id: string;
  name: string;
}

export interface StandInOptions {
  latchkey: LatchkeyClient;
  users: StandInUser[];
  libraries: StandInLibrary[];
  groups?: { id: string; name: string }[];
  /** Shared secret of Latchkey's signed webhooks, when they are configured. */
  webhookSecret?: string;
  /** Where to listen (loopback by default). */
  host?: string;
  port?: number;
}

interface Session {
  token: string;
  user: StandInUser;
  deviceId: string;
  /** The completed challenge of this sign-in, passed with access checks. */
  challengeId: string | null;
}

interface PendingLogin {
  id: string;
  user: StandInUser;
  deviceId: string;
  challenge: LoginChallenge;
  status: ChallengeStatus['status'];
  session: Session | null;
}

export interface StandIn {
  url: string;
  /** Pushes users, groups and libraries to Latchkey (PUT /api/v1/directory). */
  syncDirectory(): Promise<void>;
  close(): Promise<void>;
}

export async function startStandIn(opts: StandInOptions): Promise<StandIn> {
  const { latchkey } = opts;
  const sessions = new Map<string, Session>();
  const pending = new Map<string, PendingLogin>();
  const wakeUps = new Map<string, () => void>();
  /** Stops the background polls when the stand-in closes. */
  const stopping = new AbortController();

  function issueSession(user: StandInUser, deviceId: string, challengeId: string | null): Session {
    const session = { token: randomBytes(24).toString('hex'), user, deviceId, challengeId };
    sessions.set(session.token, session);
    return session;
  }

  /** Waits for the member to verify; a webhook for this challenge cuts the current wait short. */
  async function follow(login: PendingLogin): Promise<void> {
    const id = login.challenge.id;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakeUps.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    try {
      const done = await latchkey.waitForChallenge(login.challenge, { sleep, signal: stopping.signal });
      login.status = done.status;
      if (done.status === 'completed') login.session = issueSession(login.user, login.deviceId, id);
    } catch {
      login.status = 'failed';
    } finally {
      wakeUps.delete(id);
    }
  }

  async function authenticateByName(req: http.IncomingMessage, body: Record<string, unknown>): Promise<[number, unknown]> {
    const user = opts.users.find((u) => u.name.toLowerCase() === String(body['Username'] ?? '').toLowerCase());
    // The media server's own password check comes first; Latchkey is asked only after it succeeds.
    if (!user || !samePassword(user.password, String(body['Pw'] ?? ''))) return [401, { error: 'Invalid user name or password.' }];
    const { deviceId, deviceName, client, version } = clientOf(req);
    let decision: DecisionResponse;
    try {
      decision = await latchkey.login({
        member: { externalId: user.id, username: user.name },
        device: { id: deviceId, name: deviceName },
        client: { name: client, ...(version ? { version } : {}) },
        ip: { peer: req.socket.remoteAddress ?? '', forwardedFor: [] },
      });
    } catch (e) {
      // Fail closed: without an answer from Latchkey, nobody gets in.
      return [503, { error: 'Two-step verification could not be checked. Try again in a moment.', code: e instanceof LatchkeyError ? e.code : 'unknown' }];
    }
    const latchkeyPart = { decision: decision.decision, explanation: decision.explanation, enrolUrl: decision.enrolUrl, deadline: decision.deadline, daysLeft: decision.daysLeft };
    // allow_in_grace lets the member in; show them `explanation` and `enrolUrl` (the owner asks them to set up MFA).
    if (isAllowed(decision)) return [200, { User: { Id: user.id, Name: user.name }, AccessToken: issueSession(user, deviceId, null).token, Latchkey: latchkeyPart }];
    switch (decision.decision) {
      case 'challenge': {
        const c = decision.challenge;
        if (!c) return [502, { error: 'Latchkey answered challenge without a challenge' }];
        const login: PendingLogin = { id: randomUUID(), user, deviceId, challenge: c, status: 'pending', session: null };
        pending.set(login.id, login);
        void follow(login);
        const tv = /tv|roku|fire|apple tv|android tv/i.test(client);
        return [
          202,
          {
            Pending: login.id,
            Latchkey: {
              ...latchkeyPart,
              // Web clients are sent to the member pages; TVs show the short code instead.
              ...(tv ? { userCode: c.userCode, verificationUri: c.verificationUri } : { portalUrl: c.portalUrl }),
              interval: c.interval,
              expiresAt: c.expiresAt,
            },
          },
        ];
      }
      default:
        return [403, { error: decision.explanation, Latchkey: latchkeyPart }];
    }
  }

  async function items(session: Session, libraryId: string): Promise<[number, unknown]> {
    const library = opts.libraries.find((l) => l.id === libraryId);
    if (!library) return [404, { error: 'No such library.' }];
    try {
      const d = await latchkey.access({
        member: { externalId: session.user.id },
        library: { externalId: library.id },
        device: { id: session.deviceId },
        ...(session.challengeId ? { challengeId: session.challengeId } : {}),
      });
      if (isAllowed(d)) return [200, { Items: [{ Name: `${library.name}: first item`, ParentId: library.id }], Latchkey: { decision: d.decision } }];
      return [403, { error: d.explanation, Latchkey: { decision: d.decision, enrolUrl: d.enrolUrl, challenge: d.challenge } }];
    } catch {
      return [503, { error: 'Two-step verification could not be checked. Try again in a moment.' }];
    }
  }

  async function route(req: http.IncomingMessage, raw: Buffer): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    const token = header(req, 'x-emby-token') ?? /Token="([^"]+)"/.exec(header(req, 'authorization') ?? '')?.[1];
    const session = token ? sessions.get(token) : undefined;
    if (req.method === 'POST' && url.pathname === '/Latchkey/Webhook') return webhook(req, raw);
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    if (req.method === 'POST' && url.pathname === '/Users/AuthenticateByName') return authenticateByName(req, body);
    if (req.method === 'POST' && url.pathname === '/Sessions/Logout') {
      if (token) sessions.delete(token);
      return [204, null];
    }
    const pendingMatch = /^\/Sessions\/Pending\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && pendingMatch) {
      const login = pending.get(pendingMatch[1] ?? '');
      if (!login) return [404, { error: 'No such sign-in.' }];
      if (login.session) return [200, { Status: 'completed', User: { Id: login.user.id, Name: login.user.name }, AccessToken: login.session.token }];
      return [login.status === 'pending' ? 202 : 403, { Status: login.status }];
    }
    const itemsMatch = /^\/Users\/([\w-]+)\/Items$/.exec(url.pathname);
    if (req.method === 'GET' && itemsMatch) {
      if (!session || session.user.id !== itemsMatch[1]) return [401, { error: 'Sign in first.' }];
      return items(session, url.searchParams.get('ParentId') ?? '');
    }
    if (req.method === 'GET' && url.pathname === '/Latchkey/Security') {
      if (!session) return [401, { error: 'Sign in first.' }];
      return [200, await latchkey.portalLink(session.user.id, 'manage')];
    }
    return [404, { error: 'Not found.' }];
  }

  function webhook(req: http.IncomingMessage, raw: Buffer): [number, unknown] {
    if (!opts.webhookSecret) return [404, { error: 'Not found.' }];
    const check = verifyWebhookSignature({ secret: opts.webhookSecret, signature: req.headers['latchkey-signature'], body: raw });
    if (!check.valid) return [400, { error: `Bad signature (${check.reason}).` }];
    // Whatever the event, a challenge it names is worth polling now rather than at the next interval.
    const text = raw.toString('utf8');
    for (const [challengeId, wake] of wakeUps) if (text.includes(challengeId)) wake();
    return [204, null];
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      route(req, Buffer.concat(chunks))
        .catch(() => [400, { error: 'Bad request.' }] as [number, unknown])
        .then(([status, body]) => {
          res.writeHead(status, body === null ? {} : { 'content-type': 'application/json' });
          res.end(body === null ? undefined : JSON.stringify(body));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${address.port}`,
    async syncDirectory() {
      await latchkey.replaceDirectory({
        groups: (opts.groups ?? []).map((g) => ({ externalId: g.id, name: g.name })),
        libraries: opts.libraries.map((l) => ({ externalId: l.id, name: l.name })),
        members: opts.users.map((u) => ({ externalId: u.id, username: u.name, ...(u.email ? { email: u.email } : {}), groups: u.groups ?? [] })),
      });
    },
    close: () => {
      stopping.abort();
      for (const wake of wakeUps.values()) wake();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Jellyfin clients describe themselves in `Authorization: MediaBrowser Client="…", Device="…", DeviceId="…", Version="…"`. */
function clientOf(req: http.IncomingMessage): { client: string; deviceName: string; deviceId: string; version?: string } {
  const auth = header(req, 'x-emby-authorization') ?? header(req, 'authorization') ?? '';
  const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(auth)?.[1];
  return { client: field('Client') || 'Unknown client', deviceName: field('Device') || 'Unknown device', deviceId: field('DeviceId') || 'unknown-device', version: field('Version') };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export { DEMO } from './demo';
