import type { Browser, Page } from 'playwright-core';
import { launchChromium, shot } from './browser';
import { type MediaServer, protectWithLatchkey, startMediaServer } from './forward-auth-fixture';
import { memberLink } from './member-portal';
import { docSnippet, rawRequest, RunningNginx, startNginx } from './nginx';
import { enrolTotp, oathtool } from './oathtool';
import { type OwnerSession, setUpOwner } from './owner';
import { BrowserUser } from './webauthn';
import { RunningService, startService } from './service';

const ALICE = { id: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', name: 'alice', password: 'alice-media-pw' };
/** nginx connects to Latchkey from this address, the only trusted proxy; tests connect from 127.0.0.1. */
const NGINX_ADDRESS = '127.0.0.2';

// Real processes and real waiting (a challenge is polled every 5 s): the root Jest run ignores the e2e project's testTimeout.
jest.setTimeout(120_000);

describe('forward-auth behind real nginx (auth_request), with the snippet from docs/nginx.md', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let media: MediaServer;
  let nginx: RunningNginx;
  let site: string;
  let latchkeyPort: number;
  let aliceCookie = '';
  let secret = '';
  let bobLink = '';
  const errors: string[] = [];

  beforeAll(async () => {
    media = await startMediaServer([ALICE]);
    [svc, browser] = await Promise.all([startService({ LATCHKEY_TRUSTED_PROXIES: NGINX_ADDRESS }), launchChromium()]);
    latchkeyPort = Number(new URL(svc.base).port);
    owner = await setUpOwner(svc);
    // nginx's port is needed for the server's protected host, so reserve it first.
    const snippet = docSnippet('nginx.md', 'nginx').replace(/http:\/\/127\.0\.0\.1:8080/g, `http://127.0.0.1:${latchkeyPort}`).replace(/http:\/\/127\.0\.0\.1:8096/g, media.url);
    nginx = await startNginx(snippet, { http: `proxy_bind ${NGINX_ADDRESS};` });
    site = `http://localhost:${nginx.port}`;
    const apiKey = await protectWithLatchkey(svc, owner, {
      mediaUrl: media.url,
      host: `localhost:${nginx.port}`,
      directory: {
        groups: [{ externalId: 'family', name: 'Family' }],
        members: [
          { externalId: ALICE.id, username: ALICE.name, displayName: 'Alice Liddell', email: 'alice@example.com', groups: ['family'] },
          { externalId: 'bob-1', username: 'bob' },
        ],
      },
    });
    // Alice set up an authenticator app earlier, from a link her media server gave her.
    secret = await enrolTotp(svc, await memberLink(svc, apiKey, ALICE.id));
    bobLink = await memberLink(svc, apiKey, 'bob-1');
  });
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await svc?.stop();
    await media?.close();
  });

  function watch(page: Page): Page {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    return page;
  }

  it('without a session: Latchkey answers 401 with the sign-in page, which nginx turns into a redirect', async () => {
    // What nginx's auth subrequest gets (asked from nginx's own address, as nginx would).
    const asked = await rawRequest(latchkeyPort, { path: '/api/v1/forward-auth', headers: { 'x-original-url': `${site}/web/index.html`, 'x-original-method': 'GET' }, localAddress: NGINX_ADDRESS });
    expect(asked.status).toBe(401);
    const signIn = `${svc.base}/sign-in?rd=${encodeURIComponent(`${site}/web/index.html`)}`;
    expect(asked.headers['location']).toBe(signIn);
    // What the browser gets from nginx.
    const res = await rawRequest(nginx.port, { path: '/web/index.html', headers: { host: `localhost:${nginx.port}` } });
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(signIn);
    expect(media.hits()).toBe(0);
  });

  it('a member signs in on the sign-in page (media-server password, then a code from oathtool) and reaches the media server', async () => {
    const page = watch(await browser.newPage());
    await page.goto(`${site}/web/index.html`);
    await page.waitForURL(/\/sign-in\?rd=/);
    expect(page.url().startsWith(`${svc.base}/sign-in?rd=`)).toBe(true);
    await page.getByText('The owner of Family Jellyfin asks everyone to sign in here first').waitFor();
    await page.screenshot({ path: shot('forward-auth-sign-in'), fullPage: true });
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('The user name or password is not correct.').waitFor();
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('6-digit code from the app').fill(oathtool(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(`${site}/web/index.html`);
    const echoed = JSON.parse((await page.locator('body').textContent()) ?? '{}');
    expect(echoed).toEqual({ path: '/web/index.html', remoteUser: 'alice', remoteName: 'Alice Liddell', remoteEmail: 'alice@example.com', remoteGroups: 'Family', otherRemote: {} });
    const cookie = (await page.context().cookies(site)).find((c) => c.name === 'latchkey_proxy');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    aliceCookie = `latchkey_proxy=${cookie!.value}`;
    await page.close();
    expect(errors).toEqual([]);
  });

  it('with a valid session: 200 and the member headers, from any page', async () => {
    const res = await rawRequest(nginx.port, { path: '/Items?Recursive=true', headers: { host: `localhost:${nginx.port}`, cookie: aliceCookie } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ path: '/Items?Recursive=true', remoteUser: 'alice', remoteGroups: 'Family' });
  });

  it('ignores what a client says in X-Original-URL, X-Forwarded-* and Remote-* headers', async () => {
    // Claims to be someone else to the media server: nginx puts Latchkey's answer in its place.
    const spoofUser = await rawRequest(nginx.port, { path: '/', headers: { host: `localhost:${nginx.port}`, cookie: aliceCookie, 'remote-user': 'admin', 'remote-groups': 'Administrators' } });
    expect(JSON.parse(spoofUser.body)).toMatchObject({ remoteUser: 'alice', remoteGroups: 'Family' });
    // Without a session, pretending the request was for another page: the sign-in link still names the real one.
    const spoofUrl = await rawRequest(nginx.port, {
      path: '/real',
      headers: { host: `localhost:${nginx.port}`, 'x-original-url': 'https://evil.example/', 'x-forwarded-host': 'evil.example', 'x-forwarded-uri': '/x', 'x-forwarded-proto': 'https' },
    });
    expect(spoofUrl.status).toBe(302);
    expect(spoofUrl.headers['location']).toBe(`${svc.base}/sign-in?rd=${encodeURIComponent(`${site}/real`)}`);
    // A host Latchkey does not protect, claiming to be the protected one: judged by the real host, refused.
    const otherHost = await rawRequest(nginx.port, { path: '/', headers: { host: `unprotected.localhost:${nginx.port}`, cookie: aliceCookie, 'x-forwarded-host': `localhost:${nginx.port}`, 'x-original-url': `${site}/` } });
    expect(otherHost.status).toBe(403);
    // Asking Latchkey directly, not through the trusted proxy: the same headers and a valid session get nothing.
    const direct = await rawRequest(latchkeyPort, { path: '/api/v1/forward-auth', headers: { cookie: aliceCookie, 'x-original-url': `${site}/`, 'x-forwarded-host': `localhost:${nginx.port}`, 'x-forwarded-proto': 'http', 'x-forwarded-uri': '/' } });
    expect(direct.status).toBe(403);
    expect(direct.headers['remote-user']).toBeUndefined();
  });

  it('a garbage, repeated or oversized cookie never reaches the media server', async () => {
    const before = media.hits();
    for (const cookie of ['latchkey_proxy=%00%ff garbage', `latchkey_proxy=${'A'.repeat(43)}`, `${aliceCookie}; latchkey_proxy=${'B'.repeat(43)}`]) {
      const res = await rawRequest(nginx.port, { path: '/', headers: { host: `localhost:${nginx.port}`, cookie } });
      expect({ cookie: cookie.slice(0, 40), status: res.status }).toEqual({ cookie: cookie.slice(0, 40), status: 302 });
    }
    // Larger than nginx takes (8 KB header lines): nginx refuses it itself.
    const huge = await rawRequest(nginx.port, { path: '/', headers: { host: `localhost:${nginx.port}`, cookie: `pad=${'x'.repeat(9000)}; ${aliceCookie}` } });
    expect(huge.status).toBe(400);
    expect(media.hits()).toBe(before);
  });

  it('a member signs in with a passkey alone (user verification), no password', async () => {
    // Bob added a passkey earlier on his member pages (Chromium's virtual authenticator, with user verification).
    const bob = await BrowserUser.open(browser, svc.base);
    expect((await bob.api('POST', '/api/v1/portal/session', { link: bobLink })).status).toBe(201);
    const options = await bob.api('POST', '/api/v1/me/factors/passkeys/options', {});
    expect((await bob.api('POST', '/api/v1/me/factors/passkeys', { response: await bob.create(options.body) })).status).toBe(201);
    expect((await bob.credentials())[0]?.isResidentCredential).toBe(true);

    await bob.page.goto(`${site}/library`);
    await bob.page.waitForURL(/\/sign-in\?rd=/);
    await bob.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await bob.page.waitForURL(`${site}/library`);
    expect(JSON.parse((await bob.page.locator('body').textContent()) ?? '{}')).toMatchObject({ path: '/library', remoteUser: 'bob' });
    await bob.close();
  });

  it('when Latchkey is stopped, nginx lets nobody through (fail closed)', async () => {
    const before = media.hits();
    await svc.stop();
    const res = await rawRequest(nginx.port, { path: '/', headers: { host: `localhost:${nginx.port}`, cookie: aliceCookie } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body).not.toContain('remoteUser');
    expect(media.hits()).toBe(before);
  });
});
