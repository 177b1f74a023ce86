import { DataSource } from 'typeorm';
import { MemberSessionsService } from '../portal/member-sessions.service';
import { startFakeJellyfin, FakeJellyfin } from '../testing/fake-jellyfin';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';

const PROXY = '10.9.8.7';
const HOST = 'media.example.test';
const PAGE = `https://${HOST}/web/index.html#!/home`;

describe('forward-auth for reverse proxies', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let server: { id: string; apiKey: string };
  let jellyfin: FakeJellyfin;
  let totpSecret: string;

  /** One request from the reverse proxy (or from someone else, with `peer`). */
  const ask = (headers: Record<string, string | string[]>, opts: { peer?: string; query?: string } = {}) =>
    t.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url: `/api/v1/forward-auth${opts.query ?? ''}`, remoteAddress: opts.peer ?? PROXY, headers: headers as Record<string, string> });

  const nginx = (cookie?: string, url = PAGE) => ask({ 'x-original-url': url, 'x-original-method': 'GET', ...(cookie ? { cookie } : {}) });

  /** Password (checked by the fake Jellyfin), then the authenticator app, then the proxy cookie. */
  async function signIn(password = 'alice-pw', rd = PAGE): Promise<string> {
    const started = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd, username: 'Alice', password } });
    expect(started.statusCode).toBe(201);
    const pages = credentialsFrom(started);
    const challenge = started.json().challenge;
    expect(challenge).toMatchObject({ purpose: 'step_up', methods: ['totp'] });
    // Not yet: the password alone opens no proxy session.
    expect((await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/complete', admin: pages, body: { rd } })).json().error.code).toBe('verification_required');
    t.clock.advance(30_000);
    const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${challenge.id}/verify`, admin: pages, body: { method: 'totp', code: totpCode(t, totpSecret) } });
    expect(verified.statusCode).toBe(200);
    const renewed = { cookie: `latchkey_member=${verified.cookies.find((c) => c.name === 'latchkey_member')!.value}`, csrfToken: verified.json().csrfToken };
    const done = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/complete', admin: renewed, body: { rd } });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ returnTo: rd });
    const cookie = done.cookies.find((c) => c.name === 'latchkey_proxy')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    return `latchkey_proxy=${cookie.value}`;
  }

  beforeAll(async () => {
    jellyfin = await startFakeJellyfin([
      { id: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', name: 'Alice', password: 'alice-pw' },
      { id: 'ffffffffffffffffffffffffffffffff', name: 'Stranger', password: 'stranger-pw' },
    ]);
    t = await startTestApp({ LATCHKEY_TRUSTED_PROXIES: `${PROXY},loopback`, LATCHKEY_PUBLIC_URL: 'http://mfa.example.test' });
    admin = await setupOwner(t);
    server = await registerServer(t, admin);
    const patched = await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, admin, body: { baseUrl: jellyfin.baseUrl, forwardAuthHosts: [HOST.toUpperCase(), 'media.example.test:8443'] } });
    expect(patched.json().forwardAuthHosts).toEqual([HOST, 'media.example.test:8443']);
    await t.request({
      method: 'PUT',
      url: '/api/v1/directory',
      bearer: server.apiKey,
      body: {
        groups: [{ externalId: 'family', name: 'Family' }],
        members: [{ externalId: '0b7e6a2c-4d5f-4e3a-9b8c-7d6e5f4a3b2c', username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.com', groups: ['family'] }],
      },
    });
    // Alice has an authenticator app (enrolled through a link her media server minted).
    const link = await t.request({ method: 'POST', url: '/api/v1/directory/members/0b7e6a2c-4d5f-4e3a-9b8c-7d6e5f4a3b2c/links', bearer: server.apiKey, body: { purpose: 'enrol' } });
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: new URL(link.json().url).hash.slice('#link='.length) } }));
    const start = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    totpSecret = start.secret;
    expect((await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: totpCode(t, totpSecret) } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await jellyfin?.close();
  });

  it('sends a browser without a session to the sign-in page: 401 + Location for nginx, 302 for Traefik and Caddy', async () => {
    const res = await nginx();
    expect(res.statusCode).toBe(401);
    expect(res.headers['location']).toBe(`http://mfa.example.test/sign-in?rd=${encodeURIComponent(PAGE.replace('#!/home', ''))}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json().error.code).toBe('unauthenticated');
    // Traefik hands a refusal to the browser as it is: the browser-facing security headers are there.
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    const traefik = await ask({ 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST, 'x-forwarded-uri': '/web/?a=1', 'x-forwarded-method': 'GET' }, { query: '?mode=redirect' });
    expect(traefik.statusCode).toBe(302);
    expect(traefik.headers['location']).toBe(`http://mfa.example.test/sign-in?rd=${encodeURIComponent(`https://${HOST}/web/?a=1`)}`);
    const byHeader = await ask({ 'x-forwarded-proto': 'https', 'x-forwarded-host': `${HOST}:8443`, 'x-forwarded-uri': '/', 'x-latchkey-mode': 'redirect' });
    expect(byHeader.statusCode).toBe(302);
  });

  it('refuses hosts it does not protect, malformed or repeated URL headers, and bad modes with 403', async () => {
    const cases: Record<string, string | string[]>[] = [
      { 'x-original-url': 'https://other.example.test/' },
      { 'x-original-url': 'https://media.example.test.evil.test/' },
      { 'x-original-url': `https://user:pw@${HOST}/` },
      { 'x-original-url': `https://${HOST}/a b` },
      { 'x-original-url': `javascript://${HOST}/%0aalert(1)` },
      { 'x-original-url': `//${HOST}/` },
      { 'x-original-url': `https://${HOST}/${'a'.repeat(5000)}` },
      { 'x-original-url': [`https://${HOST}/`, `https://${HOST}/x`] },
      { 'x-original-url': `https://${HOST}/`, 'x-original-method': 'G E T' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': `${HOST}, other.test`, 'x-forwarded-uri': '/' },
      { 'x-forwarded-proto': 'gopher', 'x-forwarded-host': HOST, 'x-forwarded-uri': '/' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST, 'x-forwarded-uri': '//evil.test/' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST },
      {},
    ];
    for (const headers of cases) {
      const res = await ask(headers);
      expect({ headers, status: res.statusCode, location: res.headers['location'] }).toEqual({ headers, status: 403, location: undefined });
    }
    expect((await ask({ 'x-original-url': PAGE }, { query: '?mode=teleport' })).statusCode).toBe(403);
    expect((await ask({ 'x-original-url': PAGE, 'x-latchkey-mode': 'teleport' })).statusCode).toBe(403);
  });

  it('only a media-server-protected return URL is accepted by the sign-in page (no open redirect)', async () => {
    const ok = await t.request({ method: 'GET', url: `/api/v1/forward-auth/sign-in?rd=${encodeURIComponent(PAGE)}` });
    expect(ok.json()).toEqual({ server: { name: 'Living room Jellyfin', kind: 'jellyfin' }, password: true, returnTo: `https://${HOST}/web/index.html#!/home` });
    for (const rd of ['https://evil.example/', 'javascript:alert(1)', `https://${HOST}.evil.example/`, `https://x@${HOST}/`, `//${HOST}/`, `/relative`]) {
      const res = await t.request({ method: 'GET', url: `/api/v1/forward-auth/sign-in?rd=${encodeURIComponent(rd)}` });
      expect({ rd, status: res.statusCode, code: res.json().error.code }).toEqual({ rd, status: 400, code: 'validation_failed' });
    }
  });

  it('a wrong media-server password and an unknown member get nothing; the media-server session is logged out', async () => {
    const wrong = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd: PAGE, username: 'Alice', password: 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({ code: 'invalid_credentials', message: 'The user name or password is not correct.' });
    expect(wrong.cookies).toEqual([]);
    const stranger = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd: PAGE, username: 'Stranger', password: 'stranger-pw' } });
    expect(stranger.statusCode).toBe(403);
    const calls = jellyfin.calls.filter((c) => c.path === '/Users/AuthenticateByName');
    expect(calls.at(-1)).toMatchObject({ method: 'POST', body: { Username: 'Stranger', Pw: 'stranger-pw' }, authorization: expect.stringMatching(/^MediaBrowser Client="Latchkey"/) });
    expect(jellyfin.calls.some((c) => c.path === '/Sessions/Logout' && c.authorization?.includes('Token="token-ffffffffffffffffffffffffffffffff"'))).toBe(true);
  });

  it('after password + second factor, answers 200 with the member in Remote-* headers, from cache for repeats', async () => {
    const cookie = await signIn();
    const sessions = t.app.get(MemberSessionsService);
    const lookups = jest.spyOn(sessions, 'authenticate');
    const res = await nginx(`other=1; ${cookie}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'remote-user': 'alice', 'remote-name': 'Alice Liddell', 'remote-email': 'alice@example.com', 'remote-groups': 'Family', 'x-latchkey-decision': 'allow' });
    // Read by the proxy alone (never sent on to the browser): only what the proxy needs.
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toBe('');
    for (let i = 0; i < 5; i++) expect((await nginx(cookie)).statusCode).toBe(200);
    expect(lookups).toHaveBeenCalledTimes(1);
    // Same session, same answer, through Traefik's headers; HEAD and POST too (nginx passes the method on).
    expect((await ask({ cookie, 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST, 'x-forwarded-uri': '/Items?x=1', 'x-forwarded-method': 'POST' })).statusCode).toBe(200);
    const post = await t.app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/api/v1/forward-auth', remoteAddress: PROXY, headers: { cookie, 'x-original-url': PAGE } });
    expect(post.statusCode).toBe(200);
    lookups.mockRestore();
  });

  it('ignores X-Original-URL and X-Forwarded-* from anyone but a trusted proxy, even with a valid session', async () => {
    const cookie = await signIn();
    expect((await nginx(cookie)).statusCode).toBe(200);
    const spoofed = await ask({ cookie, 'x-original-url': PAGE, 'x-forwarded-host': HOST, 'x-forwarded-proto': 'https', 'x-forwarded-uri': '/' }, { peer: '203.0.113.9' });
    expect(spoofed.statusCode).toBe(403);
    expect(spoofed.headers['remote-user']).toBeUndefined();
  });

  it('garbage, oversized, repeated or unknown cookies get no session', async () => {
    const cookie = await signIn();
    const value = cookie.split('=')[1]!;
    for (const bad of [
      'latchkey_proxy=garbage',
      `latchkey_proxy=${value}x`,
      `latchkey_proxy=${'A'.repeat(43)}`,
      `latchkey_proxy=${value.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      `${cookie}; latchkey_proxy=${value}`,
      `pad=${'x'.repeat(9000)}; ${cookie}`,
      `latchkey_member=${value}`,
    ]) {
      const res = await nginx(bad);
      expect({ bad: bad.slice(0, 80), status: res.statusCode }).toEqual({ bad: bad.slice(0, 80), status: 401 });
    }
  });

  it('a session of another server’s member is refused for this host', async () => {
    const other = await registerServer(t, admin, 'Cabin Jellyfin');
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${other.id}`, admin, body: { forwardAuthHosts: ['cabin.example.test'] } });
    const clash = await t.request({ method: 'PATCH', url: `/api/v1/servers/${other.id}`, admin, body: { forwardAuthHosts: [HOST] } });
    expect(clash.statusCode).toBe(409);
    const cookie = await signIn();
    const res = await nginx(cookie, 'https://cabin.example.test/');
    expect(res.statusCode).toBe(403);
    expect(res.headers['remote-user']).toBeUndefined();
  });

  it('forgets its answers when the session is revoked, and asks again when a policy wants a fresh verification', async () => {
    const cookie = await signIn();
    expect((await nginx(cookie)).statusCode).toBe(200);
    const session = await t.app.get(MemberSessionsService).authenticate(cookie.split('=')[1]);
    await t.app.get(MemberSessionsService).end(session!.session.id);
    expect((await nginx(cookie)).statusCode).toBe(401);

    const fresh = await signIn();
    const policy = await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Hourly', gracePeriodDays: 0, enabled: true, reverifyAfterHours: 1 } });
    expect(policy.statusCode).toBe(201);
    expect((await nginx(fresh)).statusCode).toBe(200);
    // Each answer keeps the session alive (idle timeout 30 minutes); the policy wants a verification each hour.
    t.clock.advance(25 * 60_000);
    expect((await nginx(fresh)).statusCode).toBe(200);
    t.clock.advance(25 * 60_000);
    expect((await nginx(fresh)).statusCode).toBe(200);
    t.clock.advance(11 * 60_000);
    const stale = await nginx(fresh);
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['location']).toContain('/sign-in?rd=');
    admin = await signInOwner(t); // the console session idled out meanwhile
    expect((await t.request({ method: 'DELETE', url: `/api/v1/policies/${policy.json().id}`, admin })).statusCode).toBe(204);
  });

  it('a member without any factor gets in after the password while the owner requires nothing; not once a policy blocks', async () => {
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: server.apiKey, body: { members: [{ externalId: 'ffffffffffffffffffffffffffffffff', username: 'stranger' }] } });
    const started = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd: PAGE, username: 'Stranger', password: 'stranger-pw' } });
    expect(started.statusCode).toBe(201);
    expect(started.json().challenge).toBeNull();
    const done = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/complete', admin: credentialsFrom(started), body: { rd: PAGE } });
    const cookie = `latchkey_proxy=${done.cookies.find((c) => c.name === 'latchkey_proxy')!.value}`;
    const allowed = await nginx(cookie);
    expect({ status: allowed.statusCode, body: allowed.body }).toEqual({ status: 200, body: '' });
    expect(allowed.headers['remote-user']).toBe('stranger');
    const policy = await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    const blocked = await nginx(cookie);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.message).toMatch(/owner/i);
    await t.request({ method: 'DELETE', url: `/api/v1/policies/${policy.json().id}`, admin });
  });

  it('when the media server cannot check passwords it says so, without a session', async () => {
    jellyfin.failing = true;
    const res = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd: PAGE, username: 'Alice', password: 'alice-pw' } });
    jellyfin.failing = false;
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('service_unavailable');
    expect(res.cookies).toEqual([]);
  });

  it('fails closed when the database is unavailable', async () => {
    const cookie = await signIn();
    expect((await nginx(cookie)).statusCode).toBe(200);
    t.clock.advance(10_000); // past the cache
    await t.app.get(DataSource).destroy();
    const res = await nginx(cookie);
    expect(res.statusCode).toBe(403);
    expect(res.headers['remote-user']).toBeUndefined();
  });
});
