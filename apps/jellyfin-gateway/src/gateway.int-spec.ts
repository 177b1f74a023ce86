import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Jellyfin } from '@jellyfin/sdk';
import { chromium } from 'playwright-core';
import type { AuthenticationResult } from '@jellyfin/sdk/lib/generated-client/models';
import { getAuthenticationApi } from '@jellyfin/sdk/lib/utils/api/authentication-api';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '@latchkey/api-testing';
import { loadGatewayConfig } from './config/config';
import type { Timers } from './directory-sync';
import { JellyfinGateway, type GatewayDeps } from './gateway';
import { JellyfinStandIn } from './testing/jellyfin-stand-in';
import { TrustStore } from './trust-store';
import { WEB_CLIENT_SCRIPT_PATH } from './web-client';

const ALICE = { id: crypto.randomBytes(16).toString('hex'), name: 'alice', password: 'alice-pw' };
const BOB = { id: crypto.randomBytes(16).toString('hex'), name: 'bob', password: 'bob-pw' };
const MEDIA = crypto.randomBytes(48 * 1024 * 1024 + 123);

/** Sleeps the gateway's challenge poller takes, released by the test (no real waiting). */
class GatedSleep {
  private waiting: Array<() => void> = [];
  readonly sleep = (_ms: number) => new Promise<void>((r) => this.waiting.push(r));
  release(): void {
    const w = this.waiting;
    this.waiting = [];
    w.forEach((r) => r());
  }
}

describe('Jellyfin gateway in front of a Jellyfin stand-in, with a real Latchkey', () => {
  let t: TestApp;
  let jellyfin: JellyfinStandIn;
  let gateway: JellyfinGateway;
  let gatewayUrl: string;
  let jellyfinUrl: string;
  let latchkeyUrl: string;
  let key: string;
  let adminToken: string;
  let dataDir: string;
  let gate: GatedSleep;

  const server = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => t.request({ method, url, bearer: key, body });
  const policy = (gracePeriodDays: number) => t.request({ method: 'POST', url: '/api/v1/policies', bearer: adminToken, body: { name: 'Everyone', gracePeriodDays, enabled: true } });
  const linkOf = (url: string) => new URL(url).hash.replace(/^#/, '').split('&').find((p) => p.startsWith('link='))?.slice(5) ?? '';

  /** A Jellyfin app, as @jellyfin/sdk builds its requests, pointed at the gateway. */
  function app(device = { name: 'Living room TV', id: 'tv-1' }, client = { name: 'Jellyfin Android TV', version: '0.18.0' }) {
    return new Jellyfin({ clientInfo: client, deviceInfo: device }).createApi(gatewayUrl);
  }
  const signIn = (user = ALICE, device?: { name: string; id: string }, headers: Record<string, string> = {}) =>
    getAuthenticationApi(app(device)).authenticateUserByName({ authenticateUserByName: { Username: user.name, Pw: user.password } }, { validateStatus: () => true, headers });

  async function startGateway(env: Record<string, string> = {}, deps: GatewayDeps = {}): Promise<void> {
    gate = new GatedSleep();
    gateway = new JellyfinGateway(
      loadGatewayConfig({ JELLYFIN_URL: jellyfinUrl, LATCHKEY_URL: latchkeyUrl, LATCHKEY_API_KEY: key, GATEWAY_PORT: '0', GATEWAY_DATA_DIR: dataDir, GATEWAY_REVOCATION_POLL_SECONDS: '0', ...env }),
      { sleep: gate.sleep, log: () => undefined, now: () => t.clock.now(), ...deps },
    );
    gatewayUrl = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}`;
  }

  beforeEach(async () => {
    t = await startTestApp();
    const admin: AdminCredentials = await setupOwner(t);
    key = (await registerServer(t, admin)).apiKey;
    adminToken = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address();
    latchkeyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // The directory as the Jellyfin integration syncs it: members keyed by Jellyfin user id.
    const synced = await server('PUT', '/api/v1/directory', {
      members: [
        { externalId: ALICE.id, username: ALICE.name, email: 'alice@example.com' },
        { externalId: BOB.id, username: BOB.name },
      ],
    });
    expect(synced.statusCode).toBe(200);
    jellyfin = new JellyfinStandIn([ALICE, BOB], MEDIA);
    jellyfinUrl = await jellyfin.listen();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-gateway-'));
    await startGateway();
  });

  afterEach(async () => {
    await gateway?.close();
    await jellyfin?.close();
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('with no policy, a sign-in passes through unchanged', async () => {
    const res = await signIn();
    expect(res.status).toBe(200);
    expect(res.data).toEqual(jellyfin.issued[0]);
    expect(res.data.User?.Id).toBe(ALICE.id);
    expect(jellyfin.loggedOut).toEqual([]);
  });

  it('a member in their grace period signs in (allow_in_grace), answer unchanged', async () => {
    expect((await policy(14)).statusCode).toBe(201);
    const res = await signIn(BOB);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(jellyfin.issued[0]);
    expect(jellyfin.loggedOut).toEqual([]);
  });

  it('enrol_required: the token is withheld, logged out at Jellyfin, and the member is told where to enrol', async () => {
    await policy(0);
    const res = await signIn(BOB);
    expect(res.status).toBe(401);
    expect(res.data).toMatchObject({ error: 'enrolment_required', decision: 'enrol_required', message: expect.any(String), enrolUrl: expect.any(String) });
    expect(JSON.stringify(res.data)).not.toContain(jellyfin.issued[0]!.AccessToken!);
    expect(jellyfin.loggedOut).toEqual([jellyfin.issued[0]!.AccessToken]);
    expect(jellyfin.tokens.size).toBe(0);
  });

  it('pairing a TV: first sign-in refused with a code, the member approves on the portal, the retry succeeds', async () => {
    await policy(0);
    // Alice sets up an authenticator app on her member pages.
    const link = (await server('POST', `/api/v1/directory/members/${ALICE.id}/links`, { purpose: 'enrol' })).json().url;
    let me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    expect((await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } })).statusCode).toBe(200);

    // The TV reaches the gateway through a reverse proxy the owner listed.
    await gateway.close();
    await startGateway({ GATEWAY_TRUSTED_PROXIES: '127.0.0.1' });
    const first = await signIn(ALICE, undefined, { 'x-forwarded-for': '198.51.100.1, 192.168.1.20' });
    expect(first.status).toBe(401);
    const body = first.data as unknown as { error: string; userCode: string; verificationUri: string; portalUrl: string; message: string };
    expect(body).toMatchObject({ error: 'verification_required', userCode: expect.any(String), verificationUri: expect.any(String), portalUrl: expect.any(String) });
    expect(body.message).toContain(body.userCode);
    expect(jellyfin.loggedOut).toEqual([jellyfin.issued[0]!.AccessToken]);

    // On her phone: enter the code, prove it is her, approve the TV.
    const started = await t.request({ method: 'POST', url: '/api/v1/pairing', body: { userCode: body.userCode } });
    expect(started.statusCode).toBe(201);
    t.clock.advance(30_000);
    const verified = await t.request({
      method: 'POST',
      url: `/api/v1/me/challenges/${started.json().verificationChallengeId}/verify`,
      admin: credentialsFrom(started),
      body: { method: 'totp', code: totpCode(t, begun.secret) },
    });
    expect(verified.statusCode).toBe(200);
    me = credentialsFrom(verified);
    // Latchkey saw the client's address from the trusted proxy chain, and the TV as its app named itself.
    expect((await t.request({ method: 'GET', url: '/api/v1/me/pairing', admin: me })).json()).toMatchObject({ status: 'pending', deviceName: 'Living room TV', client: 'Jellyfin Android TV 0.18.0', ip: '192.168.1.20' });
    expect((await t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })).json()).toMatchObject({ status: 'completed' });

    // The gateway's poller wakes up, sees the completion and keeps the device's token.
    t.clock.advance(10_000);
    gate.release();
    await gateway.idle();
    const kept = JSON.parse(fs.readFileSync(path.join(dataDir, 'trusted-devices.json'), 'utf8'));
    expect(kept[TrustStore.key(ALICE.id, 'tv-1')]).toMatchObject({ token: expect.stringMatching(/^lkd1\./), expiresAt: null });
    expect(fs.statSync(path.join(dataDir, 'trusted-devices.json')).mode & 0o077).toBe(0);

    const retry = await signIn();
    expect(retry.status).toBe(200);
    expect(retry.data).toEqual(jellyfin.issued[1]);
    // Rotated on use: the stored token changed.
    const after = JSON.parse(fs.readFileSync(path.join(dataDir, 'trusted-devices.json'), 'utf8'));
    expect(after[TrustStore.key(ALICE.id, 'tv-1')].token).not.toBe(kept[TrustStore.key(ALICE.id, 'tv-1')].token);
    // Another device of hers is still asked.
    expect((await signIn(ALICE, { name: 'Phone', id: 'phone-1' })).status).toBe(401);

    // The owner revokes the TV: the gateway reads the revocation feed, ends the TV's Jellyfin session and
    // forgets its token; the TV is asked again.
    expect(await gateway.syncRevocations()).toBe(0);
    const members = (await t.request({ method: 'GET', url: '/api/v1/members', bearer: adminToken })).json();
    const aliceId = members.items.find((m: { externalId: string }) => m.externalId === ALICE.id).id;
    const devices = (await t.request({ method: 'GET', url: `/api/v1/members/${aliceId}/security`, bearer: adminToken })).json().devices;
    const tv = devices.find((d: { kind: string }) => d.kind === 'paired');
    expect((await t.request({ method: 'DELETE', url: `/api/v1/members/${aliceId}/devices/${tv.id}`, bearer: adminToken })).statusCode).toBe(204);
    expect(jellyfin.tokens.has(jellyfin.issued[1]!.AccessToken!)).toBe(true);
    expect(await gateway.syncRevocations()).toBe(1);
    expect(jellyfin.tokens.has(jellyfin.issued[1]!.AccessToken!)).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'trusted-devices.json'), 'utf8'))[TrustStore.key(ALICE.id, 'tv-1')]).toBeUndefined();
    expect((await signIn()).status).toBe(401);
  });

  it('with a Jellyfin API key, the pairing code is shown on the member’s other Jellyfin sessions', async () => {
    await gateway.close();
    await startGateway({ JELLYFIN_API_KEY: jellyfin.apiKey });
    // Alice is already watching on her phone (signed in before the policy).
    expect((await signIn(ALICE, { name: 'Phone', id: 'phone-1' })).status).toBe(200);
    expect((await signIn(BOB, { name: 'Bob phone', id: 'phone-b' })).status).toBe(200);
    await policy(0);
    const link = (await server('POST', `/api/v1/directory/members/${ALICE.id}/links`, { purpose: 'enrol' })).json().url;
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } });

    const tv = await signIn();
    expect(tv.status).toBe(401);
    await gateway.close(); // stops the poller, after the messages went out
    const { userCode } = tv.data as unknown as { userCode: string };
    expect(jellyfin.messages).toEqual([
      { sessionId: jellyfin.issued[0]!.SessionInfo!.Id, message: { Header: 'Approve a new device', Text: expect.stringContaining(userCode), TimeoutMs: 120_000 } },
    ]);
  });

  it('Quick Connect sign-ins go through the same check', async () => {
    await policy(0);
    const api = app({ name: 'Bob TV', id: 'tv-bob' });
    const qc = await fetch(`${gatewayUrl}/QuickConnect/Initiate`, { method: 'POST', headers: { authorization: api.authorizationHeader } });
    const { Secret, Code } = (await qc.json()) as { Secret: string; Code: string };
    jellyfin.authorizeQuickConnect(Code, BOB.id);
    const res = await getAuthenticationApi(api).authenticateWithQuickConnect({ quickConnectDto: { Secret } }, { validateStatus: () => true });
    expect(jellyfin.issued).toHaveLength(1);
    expect(res.status).toBe(401);
    expect(res.data).toMatchObject({ decision: 'enrol_required' });
    expect(jellyfin.loggedOut).toEqual([jellyfin.issued[0]!.AccessToken]);
  });

  it.each([
    ['/users/authenticatebyname', true],
    ['/USERS/AUTHENTICATEBYNAME/', true],
    ['/Users/%41uthenticateByName', true],
    ['/emby/Users/AuthenticateByName', true],
    ['/Users/AuthenticateWithQuickConnect/', false],
    // Not routed by Jellyfin (nor the stand-in); the gateway still treats it as a sign-in.
    ['//Users//AuthenticateByName', false],
  ])('the variant %s of the sign-in path is intercepted too', async (p, issues) => {
    await policy(0);
    const res = await fetch(gatewayUrl + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-emby-authorization': 'MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="web-1", Version="10.11.0"' },
      body: JSON.stringify({ Username: 'bob', Pw: BOB.password }),
    });
    const text = await res.text();
    expect(jellyfin.issued).toHaveLength(issues ? 1 : 0);
    // Issued: withheld (401). Not issued: Jellyfin's own refusal stands.
    expect(res.status).toBe(issues ? 401 : p.startsWith('//') ? 404 : 401);
    for (const issued of jellyfin.issued) expect(text).not.toContain(issued.AccessToken);
    expect(jellyfin.loggedOut).toEqual(jellyfin.issued.map((r: AuthenticationResult) => r.AccessToken));
  });

  it('an X-Forwarded-For from an untrusted peer is not believed', async () => {
    await policy(0);
    const link = (await server('POST', `/api/v1/directory/members/${BOB.id}/links`, { purpose: 'enrol' })).json().url;
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } });
    const res = await signIn(BOB, undefined, { 'x-forwarded-for': '192.168.1.99' });
    const started = await t.request({ method: 'POST', url: '/api/v1/pairing', body: { userCode: (res.data as unknown as { userCode: string }).userCode } });
    t.clock.advance(30_000);
    const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${started.json().verificationChallengeId}/verify`, admin: credentialsFrom(started), body: { method: 'totp', code: totpCode(t, begun.secret) } });
    expect((await t.request({ method: 'GET', url: '/api/v1/me/pairing', admin: credentialsFrom(verified) })).json()).toMatchObject({ ip: '127.0.0.1' });
  });

  it('the deprecated /Users/{id}/Authenticate?pw= is intercepted, any case', async () => {
    await policy(0);
    const res = await fetch(`${gatewayUrl}/users/${BOB.id}/AUTHENTICATE/?pw=${BOB.password}`, { method: 'POST', headers: { authorization: app().authorizationHeader } });
    expect(jellyfin.issued).toHaveLength(1);
    expect(res.status).toBe(401);
    expect(jellyfin.loggedOut).toHaveLength(1);
  });

  it('a large range request streams through byte-identical; API-key calls and WebSockets pass untouched', async () => {
    await policy(0);
    const start = 1_234_567;
    const res = await fetch(`${gatewayUrl}/Videos/abc/stream?static=true`, { headers: { range: `bytes=${start}-` } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${MEDIA.length - 1}/${MEDIA.length}`);
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.length).toBe(MEDIA.length - start);
    expect(crypto.createHash('sha256').update(got).digest('hex')).toBe(crypto.createHash('sha256').update(MEDIA.subarray(start)).digest('hex'));

    const items = await fetch(`${gatewayUrl}/Items?api_key=service-api-key&Recursive=true`, { headers: { 'x-emby-token': 'service-api-key' } });
    expect(items.status).toBe(200);
    const seen = jellyfin.seen.find((s) => s.url.startsWith('/Items'))!;
    expect(seen.url).toBe('/Items?api_key=service-api-key&Recursive=true');
    expect(seen.headers['x-emby-token']).toBe('service-api-key');

    const echoed = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${gatewayUrl}/socket?api_key=x`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('upgrade', (res2, socket: net.Socket) => {
        expect(res2.statusCode).toBe(101);
        socket.once('data', (d) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('KeepAlive');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('KeepAlive');
  });

  /** The member sets up an authenticator app on their member pages; returns its secret. */
  async function enrolTotp(user: { id: string }): Promise<string> {
    const link = (await server('POST', `/api/v1/directory/members/${user.id}/links`, { purpose: 'enrol' })).json().url;
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    expect((await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } })).statusCode).toBe(200);
    return begun.secret;
  }

  /** The member follows the portal link of a refused web sign-in and verifies with their authenticator. */
  async function verifyAtPortal(portalUrl: string, secret: string, remember: boolean): Promise<void> {
    const params = new URLSearchParams(new URL(portalUrl).hash.slice(1));
    const session = await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: params.get('link') } });
    expect(session.statusCode).toBe(201);
    t.clock.advance(30_000);
    const verified = await t.request({
      method: 'POST',
      url: `/api/v1/me/challenges/${params.get('challenge')}/verify`,
      admin: credentialsFrom(session),
      body: { method: 'totp', code: totpCode(t, secret), remember },
    });
    expect(verified.statusCode).toBe(200);
    // The gateway's poller wakes up and sees the completion.
    t.clock.advance(10_000);
    gate.release();
    await gateway.idle();
  }

  const WEB = { name: 'Firefox', id: 'web-1' };
  const webSignIn = (device = WEB) =>
    getAuthenticationApi(new Jellyfin({ clientInfo: { name: 'Jellyfin Web', version: '10.11.5' }, deviceInfo: device }).createApi(gatewayUrl)).authenticateUserByName(
      { authenticateUserByName: { Username: ALICE.name, Pw: ALICE.password } },
      { validateStatus: () => true },
    );

  describe('web client', () => {
    /** A raw GET, without fetch's automatic decompression. */
    const rawGet = (p: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http
          .get(gatewayUrl + p, { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const decode = (encoding: string | undefined, body: Buffer) =>
      (encoding === 'gzip' ? zlib.gunzipSync(body) : encoding === 'br' ? zlib.brotliDecompressSync(body) : encoding === 'deflate' ? zlib.inflateSync(body) : body).toString('utf8');

    it.each([
      ['gzip', 'gzip, deflate', false],
      ['br', 'br', false],
      ['deflate', 'deflate', false],
      ['identity', 'identity', false],
      ['gzip, chunked', 'gzip', true],
      ['identity, chunked', '', true],
    ])('/web/index.html answered %s by Jellyfin carries the script, encoded as Jellyfin sent it', async (_what, acceptEncoding, chunked) => {
      jellyfin.web.chunked = chunked;
      const res = await rawGet('/web/index.html', acceptEncoding ? { 'accept-encoding': acceptEncoding } : {});
      expect(res.status).toBe(200);
      const expected = acceptEncoding.split(',')[0]?.trim() || undefined;
      expect(res.headers['content-encoding']).toBe(expected === 'identity' ? undefined : expected);
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(res.headers['transfer-encoding']).toBeUndefined();
      const page = decode(res.headers['content-encoding'], res.body);
      expect(page).toContain(`<script src="${WEB_CLIENT_SCRIPT_PATH}" defer></script></head>`);
      // The browser's copy is revalidated against the changed page's validator, answered by the gateway.
      const again = await rawGet('/web/index.html', { 'accept-encoding': acceptEncoding, 'if-none-match': String(res.headers.etag) });
      expect(again.status).toBe(304);
      // Jellyfin was asked without conditions: a cached page from before the gateway must not stay.
      expect(jellyfin.seen.filter((r) => r.url === '/web/index.html').every((r) => r.headers['if-none-match'] === undefined)).toBe(true);
    });

    it('a page that is not HTML passes untouched; the script itself is served by the gateway', async () => {
      jellyfin.web.contentType = 'text/plain';
      const res = await rawGet('/web/', { 'accept-encoding': 'identity' });
      expect(res.body.toString()).toBe(jellyfin.web.html);
      expect(res.headers.etag).toBe('"1d9abc0"');
      const script = await fetch(gatewayUrl + WEB_CLIENT_SCRIPT_PATH);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await script.text()).toContain('verification_required');
    });

    it('with GATEWAY_WEB_CLIENT_SCRIPT=false the page and /latchkey/ paths go to Jellyfin untouched', async () => {
      await gateway.close();
      await startGateway({ GATEWAY_WEB_CLIENT_SCRIPT: 'false' });
      const res = await rawGet('/web/index.html', { 'accept-encoding': 'identity' });
      expect(res.body.toString()).toBe(jellyfin.web.html);
      expect((await fetch(gatewayUrl + WEB_CLIENT_SCRIPT_PATH)).status).toBe(404);
    });

    it('web sign-in with a challenge: the member verifies at the portal, and the web client’s retry of the same sign-in succeeds once', async () => {
      await policy(0);
      const secret = await enrolTotp(ALICE);
      const first = await webSignIn();
      expect(first.status).toBe(401);
      const refusal = first.data as unknown as { error: string; portalUrl: string; statusUrl: string };
      expect(refusal).toMatchObject({ error: 'verification_required', portalUrl: expect.stringContaining('/verify#link='), statusUrl: expect.stringMatching(/^\/latchkey\/verifications\/[\w-]{24}$/) });
      expect(await (await fetch(gatewayUrl + refusal.statusUrl)).json()).toEqual({ status: 'pending' });

      await verifyAtPortal(refusal.portalUrl, secret, false);
      expect(await (await fetch(gatewayUrl + refusal.statusUrl)).json()).toEqual({ status: 'completed' });
      const retry = await webSignIn();
      expect(retry.status).toBe(200);
      expect(retry.data).toEqual(jellyfin.issued[1]);
      // Not remembered: the pass was for that one sign-in.
      expect((await webSignIn()).status).toBe(401);
      expect((await fetch(`${gatewayUrl}/latchkey/verifications/unknown`)).status).toBe(404);
    });

    it('in Chromium, under a strict CSP: the held sign-in completes by itself once the member verified at the portal', async () => {
      await policy(0);
      const secret = await enrolTotp(ALICE);
      // A page shaped like jellyfin-web's sign-in: its own script signs in with fetch and shows the outcome.
      jellyfin.web = {
        ...jellyfin.web,
        csp: "default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'",
        html: '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"><title>Jellyfin</title></head><body style="background:#101010;color:#eee"><form id="f"><button>Sign in</button></form><p id="out"></p><script src="login.js"></script></body></html>',
      };
      jellyfin.webFiles.set(
        'login.js',
        `document.getElementById('f').addEventListener('submit', function (e) {
          e.preventDefault();
          fetch('/Users/AuthenticateByName', { method: 'POST', headers: { 'content-type': 'application/json', 'x-emby-authorization': 'MediaBrowser Client="Jellyfin Web", Device="Chromium", DeviceId="chromium-1", Version="10.11.5"' }, body: JSON.stringify({ Username: 'alice', Pw: ${JSON.stringify(ALICE.password)} }) })
            .then(function (r) { return r.json().then(function (b) { document.getElementById('out').textContent = r.status + ' ' + (b.User ? 'signed in as ' + b.User.Name : b.error); }); });
        });`,
      );
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      try {
        const page = await browser.newPage({ viewport: { width: 390, height: 700 } });
        const violations: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') violations.push(m.text());
        });
        await page.goto(`${gatewayUrl}/web/index.html`);
        await page.click('button');
        const verify = page.locator('#latchkey-panel a');
        await verify.waitFor();
        const portalUrl = (await verify.getAttribute('href')) ?? '';
        expect(await page.locator('#out').textContent()).toBe('');
        fs.mkdirSync(path.join(__dirname, '../../../tmp'), { recursive: true });
        await page.screenshot({ path: path.join(__dirname, '../../../tmp/gateway-web-client-panel.png') });

        await verifyAtPortal(portalUrl, secret, false);
        // Back on the tab: the script asks at once, then sends the same sign-in again.
        await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
        await page.waitForFunction(() => document.getElementById('out')?.textContent !== '');
        expect(await page.locator('#out').textContent()).toBe('200 signed in as alice');
        expect(await page.locator('#latchkey-panel').count()).toBe(0);
        expect(violations.filter((v) => /Content Security Policy/i.test(v))).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });

  it('a Jellyfin token issued before its device was revoked in Latchkey never reaches Jellyfin again (any header, api_key, after a gateway restart); API-key calls are untouched', async () => {
    await policy(0);
    const secret = await enrolTotp(ALICE);
    const signInRemembered = async (device: { name: string; id: string }) => {
      const refused = await webSignIn(device);
      await verifyAtPortal((refused.data as unknown as { portalUrl: string }).portalUrl, secret, true);
      const ok = await webSignIn(device);
      expect(ok.status).toBe(200);
      return ok.data.AccessToken!;
    };
    const me = (headers: Record<string, string>, query = '') => fetch(`${gatewayUrl}/Users/Me${query}`, { headers });
    const reached = () => jellyfin.seen.filter((r) => r.url.startsWith('/Users/Me')).length;
    const revoke = async (deviceName: string) => {
      const members = (await t.request({ method: 'GET', url: '/api/v1/members', bearer: adminToken })).json();
      const aliceId = members.items.find((m: { externalId: string }) => m.externalId === ALICE.id).id;
      const devices = (await t.request({ method: 'GET', url: `/api/v1/members/${aliceId}/security`, bearer: adminToken })).json().devices;
      const device = devices.find((d: { deviceName: string }) => d.deviceName === deviceName);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/members/${aliceId}/devices/${device.id}`, bearer: adminToken })).statusCode).toBe(204);
    };

    // A token the gateway let through itself.
    const laptop = await signInRemembered(WEB);
    const tablet = await signInRemembered({ name: 'Tablet', id: 'web-2' });
    expect((await me({ 'x-emby-token': laptop })).status).toBe(200);
    expect(await gateway.syncRevocations()).toBe(0);
    await revoke('Firefox');
    expect(await gateway.syncRevocations()).toBe(1);
    const before = reached();
    for (const res of [await me({ 'x-emby-token': laptop }), await me({}, `?api_key=${laptop}`), await me({}, `?ApiKey=${laptop}`), await me({ authorization: `MediaBrowser Client="Jellyfin Web", Token="${laptop}"` })]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'session_revoked' });
    }
    expect(reached()).toBe(before);
    expect(jellyfin.loggedOut).toContain(laptop);

    // A token issued before a gateway restart: recognised by the revoked DeviceId it is sent with.
    await gateway.close();
    await startGateway();
    expect(await gateway.syncRevocations()).toBe(0);
    await revoke('Tablet');
    expect(await gateway.syncRevocations()).toBe(0); // this gateway never saw the tablet's sessions
    const header = `MediaBrowser Client="Jellyfin Web", Device="Tablet", DeviceId="web-2", Version="10.11.5", Token="${tablet}"`;
    expect((await me({ 'x-emby-authorization': header })).status).toBe(401);
    expect((await me({}, `?api_key=${tablet}`)).status).toBe(401);
    expect(reached()).toBe(before);
    await gateway.idle();
    expect(jellyfin.loggedOut).toContain(tablet);
    // A service's API key is never looked at.
    expect((await fetch(`${gatewayUrl}/Items?api_key=service-api-key`)).status).toBe(200);
  });

  it('grace: the member’s active Jellyfin sessions get the notice and deadline, at most once a day, without delaying the sign-in', async () => {
    await gateway.close();
    await startGateway({ JELLYFIN_API_KEY: jellyfin.apiKey });
    await policy(14);
    // Jellyfin is slow to list sessions: the sign-in is answered anyway, the message follows.
    let release!: () => void;
    jellyfin.holdSessions = new Promise<void>((r) => (release = r));
    const first = await signIn(BOB, { name: 'Bob phone', id: 'phone-b' });
    expect(first.status).toBe(200);
    expect(first.data).toEqual(jellyfin.issued[0]);
    expect(jellyfin.messages).toEqual([]);
    jellyfin.holdSessions = null;
    release();
    await gateway.idle();
    expect(jellyfin.messages).toEqual([
      {
        sessionId: jellyfin.issued[0]!.SessionInfo!.Id,
        message: { Header: 'Two-step verification required soon', Text: expect.stringMatching(/Deadline: \d{4}-\d{2}-\d{2} \(14 days left\)\. Set it up at http/), TimeoutMs: 60_000 },
      },
    ]);
    // Later that day, from the TV: no second message.
    expect((await signIn(BOB, { name: 'Bob TV', id: 'tv-b' })).status).toBe(200);
    await gateway.idle();
    expect(jellyfin.messages).toHaveLength(1);
    // The next day: both active sessions are told.
    t.clock.advance(24 * 3_600_000);
    expect((await signIn(BOB, { name: 'Bob TV', id: 'tv-b' })).status).toBe(200);
    await gateway.idle();
    expect(jellyfin.messages.slice(1).map((m) => m.sessionId).sort()).toEqual(jellyfin.issued.map((r) => r.SessionInfo!.Id).sort());
    // Alice, in grace too, is told separately.
    expect((await signIn(ALICE)).status).toBe(200);
    await gateway.idle();
    expect(jellyfin.messages.at(-1)?.sessionId).toBe(jellyfin.issued.at(-1)?.SessionInfo?.Id);
  });

  it('scheduled directory sync: Jellyfin’s users and libraries land in Latchkey’s directory', async () => {
    const fired: Array<() => void> = [];
    const timers: Timers = { setTimeout: (fn) => fired.push(fn), clearTimeout: () => undefined };
    const CAROL = { id: crypto.randomBytes(16).toString('hex'), name: 'carol', password: 'c' };
    jellyfin.users.push(CAROL);
    jellyfin.libraries = [{ Name: 'Home videos', ItemId: 'f137a2dd21bbc1b99aa5c0f6bf02a805' }];
    await gateway.close();
    await startGateway({ JELLYFIN_API_KEY: jellyfin.apiKey, GATEWAY_DIRECTORY_SYNC_MINUTES: '60' }, { timers });
    expect(fired).toHaveLength(1);
    fired.shift()!();
    await new Promise((r) => setImmediate(r));
    await gateway.directorySync!.idle();
    const members = (await t.request({ method: 'GET', url: '/api/v1/members', bearer: adminToken })).json();
    expect(members.items.map((m: { username: string }) => m.username).sort()).toEqual(['alice', 'bob', 'carol']);
    const libraries = (await t.request({ method: 'GET', url: '/api/v1/libraries', bearer: adminToken })).json();
    expect(JSON.stringify(libraries)).toContain('Home videos');
    expect(fired).toHaveLength(1); // the next run is scheduled
  });

  describe('Latchkey unreachable', () => {
    async function latchkeyDown(env: Record<string, string> = {}): Promise<void> {
      await gateway.close();
      const closed = net.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      latchkeyUrl = `http://127.0.0.1:${port}`;
      await startGateway(env);
    }

    it('new sign-ins are denied (fail closed), the token logged out', async () => {
      await latchkeyDown();
      const res = await signIn();
      expect(res.status).toBe(503);
      expect(res.data).toMatchObject({ error: 'latchkey_unavailable' });
      expect(jellyfin.loggedOut).toEqual([jellyfin.issued[0]!.AccessToken]);
    });

    it('with GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES, only a device holding a remembered token gets in', async () => {
      await new TrustStore(dataDir).set(ALICE.id, 'tv-1', { token: 'lkd1.remembered', expiresAt: null });
      await latchkeyDown({ GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES: 'true' });
      expect((await signIn()).status).toBe(200);
      expect((await signIn(ALICE, { name: 'Phone', id: 'phone-1' })).status).toBe(503);
    });
  });
});
