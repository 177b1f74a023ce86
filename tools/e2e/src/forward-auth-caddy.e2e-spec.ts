import { RunningCaddy, startCaddy } from './caddy';
import { type Echo, type MediaServer, protectWithLatchkey, proxySession, startMediaServer } from './forward-auth-fixture';
import { docSnippet, rawRequest } from './nginx';
import { setUpOwner } from './owner';
import { RunningService, startService } from './service';

const ALICE = { id: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', name: 'alice', password: 'alice-media-pw' };
/** A member the media server knows no e-mail address, display name or group for. */
const BOB = { id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', name: 'bob', password: 'bob-media-pw' };
/**
 * Caddy has no option for the address it connects from, so Latchkey trusts 127.0.0.1 (where Caddy's
 * connections come from) and the "someone else" requests come from 127.0.0.3.
 */
const CADDY_ADDRESS = '127.0.0.1';
const SOMEONE_ELSE = '127.0.0.3';

// Real processes: the root Jest run ignores the e2e project's testTimeout.
jest.setTimeout(120_000);

describe('forward-auth behind real Caddy (forward_auth), with the snippet from docs/caddy.md', () => {
  let svc: RunningService;
  let media: MediaServer;
  let caddy: RunningCaddy;
  let site: string;
  let host: string;
  let latchkeyPort: number;
  let aliceCookie = '';
  let bobCookie = '';

  const viaCaddy = (path: string, headers: Record<string, string> = {}) => rawRequest(caddy.port, { path, headers: { host, ...headers } });
  const echoed = (body: string) => JSON.parse(body) as Echo;
  const signInPage = (page: string) => `${svc.base}/sign-in?rd=${encodeURIComponent(page)}`;

  beforeAll(async () => {
    media = await startMediaServer([ALICE, BOB]);
    svc = await startService({ LATCHKEY_TRUSTED_PROXIES: CADDY_ADDRESS });
    latchkeyPort = Number(new URL(svc.base).port);
    const owner = await setUpOwner(svc);
    // Only the host names and ports of the guide's Caddyfile change.
    const snippet = docSnippet('caddy.md', 'caddy')
      .replace(/\blocalhost:8080\b/g, `${CADDY_ADDRESS}:${latchkeyPort}`)
      .replace(/\blocalhost:8096\b/g, `127.0.0.1:${media.port}`);
    expect(snippet).toMatch(/^media\.example\.com \{$/m);
    caddy = await startCaddy((port) => snippet.replace(/^media\.example\.com \{$/m, `http://localhost:${port} {`));
    host = `localhost:${caddy.port}`;
    site = `http://${host}`;
    await protectWithLatchkey(svc, owner, {
      mediaUrl: media.url,
      host,
      directory: {
        groups: [{ externalId: 'family', name: 'Family' }],
        members: [
          { externalId: ALICE.id, username: ALICE.name, displayName: 'Alice Liddell', email: 'alice@example.com', groups: ['family'] },
          { externalId: BOB.id, username: BOB.name },
        ],
      },
    });
    aliceCookie = await proxySession(svc, `${site}/web/index.html`, ALICE.name, ALICE.password);
    bobCookie = await proxySession(svc, `${site}/web/index.html`, BOB.name, BOB.password);
  });
  afterAll(async () => {
    await caddy?.stop();
    await svc?.stop();
    await media?.close();
  });

  it('without a session: Caddy answers 302 to the sign-in page, naming the page asked for, and the media server sees nothing', async () => {
    const res = await viaCaddy('/web/index.html?tab=home');
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(signInPage(`${site}/web/index.html?tab=home`));
    expect(media.hits()).toBe(0);
  });

  it('with a valid session: the media server gets the request with the member in the four Remote-* headers', async () => {
    const res = await viaCaddy('/Items?Recursive=true', { cookie: aliceCookie });
    expect(res.status).toBe(200);
    expect(echoed(res.body)).toEqual({ path: '/Items?Recursive=true', remoteUser: 'alice', remoteName: 'Alice Liddell', remoteEmail: 'alice@example.com', remoteGroups: 'Family', otherRemote: {} });
  });

  it('a member cannot pose as someone else to the media server with Remote-* headers of their own', async () => {
    const spoofs = { 'remote-user': 'admin', 'remote-name': 'Administrator', 'remote-email': 'owner@example.com', 'remote-groups': 'Administrators', 'remote-role': 'admin' };
    const alice = echoed((await viaCaddy('/', { cookie: aliceCookie, ...spoofs })).body);
    expect(alice).toEqual({ path: '/', remoteUser: 'alice', remoteName: 'Alice Liddell', remoteEmail: 'alice@example.com', remoteGroups: 'Family', otherRemote: {} });
    // Bob has no e-mail address and no group: Latchkey answers those empty, and his own values must not fill the gap.
    const bob = echoed((await viaCaddy('/', { cookie: bobCookie, ...spoofs })).body);
    expect(bob).toMatchObject({ remoteUser: 'bob', remoteName: 'bob', otherRemote: {} });
    expect(['', null]).toContain(bob.remoteEmail);
    expect(['', null]).toContain(bob.remoteGroups);
  });

  it('a client cannot pick the page named in the sign-in link with X-Forwarded-* headers', async () => {
    const res = await viaCaddy('/real', { 'x-forwarded-host': 'evil.example', 'x-forwarded-uri': '/x', 'x-forwarded-proto': 'https', 'x-forwarded-method': 'POST' });
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(signInPage(`${site}/real`));
  });

  it('a garbage, forged or repeated cookie never reaches the media server', async () => {
    const before = media.hits();
    for (const cookie of ['latchkey_proxy=%00%ff garbage', `latchkey_proxy=${'A'.repeat(43)}`, `${aliceCookie}; latchkey_proxy=${'B'.repeat(43)}`]) {
      const res = await viaCaddy('/', { cookie });
      expect({ cookie: cookie.slice(0, 40), status: res.status }).toEqual({ cookie: cookie.slice(0, 40), status: 302 });
    }
    expect(media.hits()).toBe(before);
  });

  it('asking Latchkey directly, not from the trusted proxy address, gets 403 even with a valid session', async () => {
    const asCaddyWould = { cookie: aliceCookie, 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': host, 'x-forwarded-uri': '/' };
    const direct = await rawRequest(latchkeyPort, { path: '/api/v1/forward-auth?mode=redirect', headers: asCaddyWould, localAddress: SOMEONE_ELSE });
    expect(direct.status).toBe(403);
    expect(direct.headers['remote-user']).toBeUndefined();
    // The same question from Caddy's address is answered: the address alone made the difference.
    const fromCaddy = await rawRequest(latchkeyPort, { path: '/api/v1/forward-auth?mode=redirect', headers: asCaddyWould, localAddress: CADDY_ADDRESS });
    expect(fromCaddy.status).toBe(200);
    expect(fromCaddy.headers['remote-user']).toBe('alice');
  });

  it('when Latchkey is stopped, Caddy lets nobody through (fail closed)', async () => {
    const before = media.hits();
    await svc.stop();
    const res = await viaCaddy('/', { cookie: aliceCookie });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body).not.toContain('remoteUser');
    expect(media.hits()).toBe(before);
  });
});
