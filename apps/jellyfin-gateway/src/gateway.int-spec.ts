import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Jellyfin } from '@jellyfin/sdk';
import type { AuthenticationResult } from '@jellyfin/sdk/lib/generated-client/models';
import { getAuthenticationApi } from '@jellyfin/sdk/lib/utils/api/authentication-api';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '@latchkey/api-testing';
import { loadGatewayConfig } from './config/config';
import { JellyfinGateway } from './gateway';
import { JellyfinStandIn } from './testing/jellyfin-stand-in';
import { TrustStore } from './trust-store';

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

  async function startGateway(env: Record<string, string> = {}): Promise<void> {
    gate = new GatedSleep();
    gateway = new JellyfinGateway(
      loadGatewayConfig({ JELLYFIN_URL: jellyfinUrl, LATCHKEY_URL: latchkeyUrl, LATCHKEY_API_KEY: key, GATEWAY_PORT: '0', GATEWAY_DATA_DIR: dataDir, GATEWAY_REVOCATION_POLL_SECONDS: '0', ...env }),
      { sleep: gate.sleep, log: () => undefined },
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
