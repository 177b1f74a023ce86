import { LatchkeyClient } from '@latchkey/client';
import { DEMO, startStandIn, type StandIn } from '@latchkey/media-server-standin';
import type { Browser } from 'playwright-core';
import { launchChromium, shot } from './browser';
import { enrolTotp, oathtool } from './oathtool';
import { type OwnerSession, registerServer, setUpOwner } from './owner';
import { RunningService, startService } from './service';


const [ALICE, BOB] = DEMO.users as [(typeof DEMO.users)[0], (typeof DEMO.users)[1]];
const WEB = 'MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="web-alice-1", Version="10.10.3"';
const TV = 'MediaBrowser Client="Jellyfin Android TV", Device="Living room TV", DeviceId="tv-1", Version="0.17.0"';

interface Answer {
  status: number;
  body: Record<string, unknown> & { Latchkey?: Record<string, unknown>; AccessToken?: string; Pending?: string };
}

/**
 * The whole loop through the reference integration (examples/media-server-standin), which uses the SDK the
 * way a Jellyfin or Emby plugin would: its own password check, then Latchkey's decision; a challenge the
 * member answers on the member pages (real Chromium, a code from oathtool); the stand-in polling until it is
 * completed; then an access check for every library it opens.
 */
// Real processes and real waiting (a challenge is polled every 5 s): the root Jest run ignores the e2e project's testTimeout.
jest.setTimeout(120_000);

describe('reference integration: a media-server stand-in using the SDK, end to end', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let standIn: StandIn;
  let secret = '';

  async function call(method: string, path: string, opts: { auth?: string; token?: string; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.auth) headers['x-emby-authorization'] = opts.auth;
    if (opts.token) headers['x-emby-token'] = opts.token;
    const res = await fetch(`${standIn.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }
  const signIn = (user: { name: string }, password: string, auth = WEB) => call('POST', '/Users/AuthenticateByName', { auth, body: { Username: user.name, Pw: password } });
  const admin = () => ({ 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken });

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
    owner = await setUpOwner(svc);
    const apiKey = await registerServer(svc, owner, 'Family Jellyfin');
    standIn = await startStandIn({
      latchkey: new LatchkeyClient({ baseUrl: svc.base, apiKey, userAgent: 'media-server-standin-e2e' }),
      ...DEMO,
    });
    await standIn.syncDirectory();
  });
  afterAll(async () => {
    await browser?.close();
    await standIn?.close();
    await svc?.stop();
  });

  it('before any policy: its own password check first, then everyone is allowed', async () => {
    expect((await signIn(ALICE, 'wrong')).status).toBe(401);
    const ok = await signIn(ALICE, ALICE.password);
    expect(ok.status).toBe(200);
    expect(ok.body.Latchkey).toMatchObject({ decision: 'allow' });
    // Alice follows the "manage my security" link the stand-in mints for her, and adds an authenticator app.
    const security = await call('GET', '/Latchkey/Security', { token: ok.body.AccessToken });
    secret = await enrolTotp(svc, new URL(String(security.body['url'])).hash.slice('#link='.length));
  });

  it('the owner requires MFA for everyone, and passkeys for Home videos', async () => {
    const everyone = await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin(), body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 0, enabled: true }) });
    expect(everyone.status).toBe(201);
    const libraries = (await (await fetch(`${svc.base}/api/v1/libraries`, { headers: admin() })).json()) as { items: { id: string; externalId: string }[] };
    const homeVideos = libraries.items.find((l) => l.externalId === 'home-videos')!.id;
    const guarded = await fetch(`${svc.base}/api/v1/policies`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ name: 'Home videos need a passkey', libraries: [homeVideos], accepted: 'phishing_resistant', gracePeriodDays: 0, enabled: true }),
    });
    expect(guarded.status).toBe(201);
  });

  it('a member without a second factor is refused, with a link to set one up', async () => {
    const bob = await signIn(BOB, BOB.password);
    expect(bob.status).toBe(403);
    expect(bob.body.Latchkey).toMatchObject({ decision: 'enrol_required', enrolUrl: expect.stringContaining('/enrol#link=') });
    expect(String(bob.body['error'])).toMatch(/owner/i);
  });

  it('a TV gets a short code to enter elsewhere instead of a link', async () => {
    const tv = await signIn(ALICE, ALICE.password, TV);
    expect(tv.status).toBe(202);
    expect(tv.body.Latchkey).toMatchObject({ decision: 'challenge', userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/), verificationUri: `${svc.base}/pair` });
    expect(tv.body.Latchkey).not.toHaveProperty('portalUrl');
  });

  it('login → challenge → the member verifies on the member pages → the stand-in lets the session in → per-library access checks', async () => {
    const login = await signIn(ALICE, ALICE.password);
    expect(login.status).toBe(202);
    expect(login.body.Latchkey).toMatchObject({ decision: 'challenge', interval: 5 });
    const portalUrl = String(login.body.Latchkey!['portalUrl']);
    expect(portalUrl).toMatch(/\/verify#link=.+&challenge=/);
    // Not yet: the stand-in holds the session until Latchkey says the challenge is completed.
    expect((await call('GET', `/Sessions/Pending/${login.body.Pending}`)).status).toBe(202);

    // The web client redirects Alice to the member pages; she confirms with her authenticator app.
    const page = await browser.newPage();
    await page.goto(portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as alice').waitFor();
    await page.getByLabel('6-digit code from the app').fill(oathtool(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();
    await page.screenshot({ path: shot('reference-integration-verified'), fullPage: true });
    await page.close();

    // The stand-in polls Latchkey (every `interval` seconds) and lets the session in once it is completed.
    let pending: Answer = { status: 0, body: {} };
    for (let i = 0; i < 60 && pending.status !== 200; i++) {
      pending = await call('GET', `/Sessions/Pending/${login.body.Pending}`);
      if (pending.status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(pending.status).toBe(200);
    const token = String(pending.body.AccessToken);

    // Every library it opens, it asks again: Movies is fine; Home videos needs a passkey Alice does not have.
    const movies = await call('GET', `/Users/${ALICE.id}/Items?ParentId=movies`, { token });
    expect(movies.status).toBe(200);
    expect(movies.body.Latchkey).toEqual({ decision: 'allow' });
    const home = await call('GET', `/Users/${ALICE.id}/Items?ParentId=home-videos`, { token });
    expect(home.status).toBe(403);
    expect(home.body.Latchkey).toMatchObject({ decision: 'enrol_required' });
    expect(String(home.body['error'])).toMatch(/passkey/i);
  });
});
