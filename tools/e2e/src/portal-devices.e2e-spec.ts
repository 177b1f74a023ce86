import { LatchkeyClient, type ChallengeStatus } from '@latchkey/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { requireMfaForEveryone } from './portal-flows';
import { AuthenticatorApp, PHONE_360, checkStep, enrolAuthenticator, watchPage } from './portal-checks';
import { RunningService, startService } from './service';

/**
 * Issue 8 in real Chromium on a 360-px phone, against the built service: a TV signs in, the member types its
 * code at /pair, confirms with their authenticator app (codes from oathtool) and approves, and the TV's poll
 * completes; then "remember this device" on /verify, and My security (/security): forget a device, an app
 * password created and revoked, sign out everywhere, I lost my phone. Each step is checked with axe-core, for
 * 360-px width, and photographed at phone and desktop sizes into tmp-screens/.
 */

const LAN = { peer: '192.168.1.20', forwardedFor: [] };
/** A whole flow in the browser, with a check and two screenshots per step, takes several seconds. */
const FLOW_MS = 90_000;

describe('member pages: pair a TV, remember a browser, manage my security', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let apiKey: string;
  let server: LatchkeyClient;
  let phone: BrowserContext;
  let app: AuthenticatorApp;
  let recoveryCodes: string[] = [];
  let tvTrustToken = '';
  let laptopTrustToken = '';
  const log = { errors: [] as string[], foreign: [] as string[] };
  /** Stops the TV's polling if a test fails before it completes. */
  const stopPolling = new AbortController();

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin');
    server = new LatchkeyClient({ baseUrl: svc.base, apiKey });
    await pushMembers(svc, apiKey, [
      { externalId: 'alice', username: 'alice', email: 'alice@example.com' },
      { externalId: 'bob', username: 'bob' },
    ]);
    ({ app, recoveryCodes } = await enrolAuthenticator(svc, await memberLink(svc, apiKey, 'alice')));
    await requireMfaForEveryone(svc, owner);
    phone = await browser.newContext({ ...PHONE_360 });
    await phone.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: svc.base });
  }, FLOW_MS);
  afterAll(async () => {
    stopPolling.abort();
    await browser?.close();
    await svc?.stop();
  });

  const newPage = async (): Promise<Page> => watchPage(await phone.newPage(), svc, log);

  it('a TV shows a code; the member types it at /pair, confirms with the authenticator app, approves, and the TV is in', async () => {
    // The media server's plugin, for a TV that cannot show a prompt.
    const login = await server.login({ member: { externalId: 'alice' }, device: { id: 'tv-1', name: 'Living room TV' }, client: { name: 'Jellyfin Android TV', version: '10.11' }, ip: LAN });
    expect(login.decision).toBe('challenge');
    const challenge = login.challenge!;
    expect(challenge.verificationUri).toBe(`${svc.base}/pair`);
    expect(challenge.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // The TV polls, as the SDK does (honouring `interval`), while the member goes to their phone.
    const tvPoll: Promise<ChallengeStatus | null> = server.waitForChallenge(challenge.id, { initialInterval: 1, signal: stopPolling.signal }).catch(() => null);

    const page = await newPage();
    await page.goto(challenge.verificationUri);
    const input = page.getByLabel('Enter the code shown on your TV');
    await expect(input.getAttribute('autocapitalize')).resolves.toBe('characters');
    await expect(input.getAttribute('inputmode')).resolves.toBe('text');
    await checkStep(page, 'pair-1-code');

    // A code that is not the TV's: a plain error, and the field can be typed again.
    await input.fill('bcdf ghjk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This code does not work.').waitFor();
    await checkStep(page, 'pair-2-wrong-code');

    // The real one, as people type it on a phone: lower case, a space instead of the dash.
    await input.fill(challenge.userCode.toLowerCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'First, confirm it is you' }).waitFor();
    await page.getByText('The code is for a sign-in to Family Jellyfin.').waitFor();
    await expect(page.getByText('Living room TV').count()).resolves.toBe(0);
    await checkStep(page, 'pair-3-confirm');

    await page.getByLabel('6-digit code from the app').fill(app.code());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Is this your TV or app?' }).waitFor();
    const shown = (await page.locator('dl.request').innerText()).replace(/\s+/g, ' ');
    expect(shown).toContain('Living room TV');
    expect(shown).toContain('Jellyfin Android TV 10.11');
    expect(shown).toContain('A private network, probably your home or the server’s (192.168.1.20)');
    expect(shown).toMatch(/Asked (Just now|1 minute ago)/);
    expect(shown).toContain('For Family Jellyfin');
    await page.getByText('Living room TV wants to sign in to Family Jellyfin as you.').waitFor();
    await checkStep(page, 'pair-4-review');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Done. You can go back to your TV now.' }).waitFor();
    await checkStep(page, 'pair-5-approved');

    const polled = await tvPoll;
    expect(polled).toMatchObject({ status: 'completed', completion: { deviceId: 'tv-1', trustToken: expect.stringMatching(/^lkd1\./), trustExpiresAt: null } });
    // The TV's next sign-in, with its token: straight in.
    const next = await server.login({ member: { externalId: 'alice' }, device: { id: 'tv-1', name: 'Living room TV' }, client: { name: 'Jellyfin Android TV', version: '10.11' }, ip: LAN, trustToken: polled!.completion!.trustToken! });
    expect(next).toMatchObject({ decision: 'allow', challenge: null });
    tvTrustToken = next.trustToken!;
    await page.close();
  }, FLOW_MS);

  it('"Remember this device" on /verify: the browser is not asked again', async () => {
    const login = await server.login({ member: { externalId: 'alice' }, device: { id: 'laptop-1', name: 'Firefox on laptop' }, client: { name: 'Jellyfin Web', version: '10.11' }, ip: LAN });
    const challenge = login.challenge!;
    const page = await newPage();
    await page.goto(challenge.portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as alice.').waitFor();
    await page.getByLabel('Remember this device').check();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await checkStep(page, 'verify-remember');
    // (The authenticator app's next time step is not accepted yet: a recovery code instead.)
    await page.getByLabel('One of your recovery codes').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Confirm' }).last().click();
    await page.getByText('The device you are signing in on is remembered').waitFor();
    await checkStep(page, 'verify-remember-done');

    const polled = await server.challenge(challenge.id);
    expect(polled.completion?.trustToken).toMatch(/^lkd1\./);
    const again = await server.login({ member: { externalId: 'alice' }, device: { id: 'laptop-1' }, client: { name: 'Jellyfin Web' }, ip: LAN, trustToken: polled.completion!.trustToken! });
    expect(again.decision).toBe('allow');
    laptopTrustToken = again.trustToken!;
    await page.close();
  }, FLOW_MS);

  it('My security: forget a device, create and revoke an app password, sign out everywhere, I lost my phone', async () => {
    const manage = await server.portalLink('alice', 'manage');
    expect(manage.url).toMatch(/\/security#link=/);
    const page = await newPage();
    await page.goto(manage.url);
    await page.getByRole('heading', { name: 'My security' }).waitFor();
    await page.getByText('Owner, who runs Family Jellyfin, asks everyone who uses it').waitFor();
    expect(page.url()).toBe(`${svc.base}/security`);
    const devices = page.locator('section[aria-labelledby="devices-heading"]');
    await devices.getByText('Living room TV').waitFor();
    await devices.getByText('Firefox on laptop').waitFor();
    await checkStep(page, 'security-1-overview');

    // Forget the laptop: asked first, then gone, and its token no longer lets it in.
    await devices.locator('li', { hasText: 'Firefox on laptop' }).getByRole('button', { name: 'Forget' }).click();
    await page.getByRole('heading', { name: 'Forget Firefox on laptop?' }).waitFor();
    await checkStep(page, 'security-2-forget-confirm');
    await page.locator('app-confirm-box').getByRole('button', { name: 'Forget' }).click();
    await page.getByText('Firefox on laptop is forgotten.').waitFor();
    await expect(devices.locator('li', { hasText: 'Firefox on laptop' }).count()).resolves.toBe(0);
    const laptop = await server.login({ member: { externalId: 'alice' }, device: { id: 'laptop-1' }, client: { name: 'Jellyfin Web' }, ip: LAN, trustToken: laptopTrustToken });
    expect(laptop.decision).toBe('challenge');

    // An app password: needs a fresh verification first (the link alone is not enough).
    await page.getByLabel('Name for a new app password').fill('Infuse on the iPad');
    await page.getByRole('button', { name: 'Create app password' }).click();
    await page.getByRole('heading', { name: 'First, confirm it is you' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await checkStep(page, 'security-3-step-up');
    await page.getByLabel('One of your recovery codes').fill(recoveryCodes[1]!);
    await page.getByRole('button', { name: 'Confirm' }).last().click();
    await page.getByRole('heading', { name: 'Your app password for “Infuse on the iPad”' }).waitFor();
    await page.getByText('Copy it now: it is shown only this once.').waitFor();
    const password = (await page.locator('.app-password').innerText()).trim();
    expect(password).toMatch(/^lkap_/);
    await page.getByRole('button', { name: 'Copy password' }).click();
    await page.getByText('Copied. Paste it into the app now.').waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(password);
    await checkStep(page, 'security-4-app-password');
    await page.getByRole('button', { name: 'I have put it in the app' }).click();
    await page.getByText('Infuse on the iPad is ready to use.').waitFor();
    await expect(page.getByText(password).count()).resolves.toBe(0);

    const viaApp = await server.login({ member: { externalId: 'alice' }, device: { id: 'ipad' }, client: { name: 'Infuse' }, ip: LAN, appPassword: password });
    expect(viaApp.decision).toBe('allow');
    await page.reload();
    const apps = page.locator('section[aria-labelledby="app-passwords-heading"]');
    await apps.getByText(/Last used (just now|1 minute ago) from 192\.168\.1\.20/).waitFor();
    await checkStep(page, 'security-5-app-password-listed');

    await apps.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('This cannot be undone.').waitFor();
    await page.locator('app-confirm-box').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Infuse on the iPad is revoked.').waitFor();
    const revoked = await server.login({ member: { externalId: 'alice' }, device: { id: 'ipad' }, client: { name: 'Infuse' }, ip: LAN, appPassword: password });
    expect(revoked.decision).toBe('deny');

    // Sign out everywhere: the paired TV has to be approved again.
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Sign out everywhere?' }).waitFor();
    await page.locator('app-confirm-box').getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('You are signed out everywhere: 1 device forgotten.').waitFor();
    await checkStep(page, 'security-6-signed-out');
    const tv = await server.login({ member: { externalId: 'alice' }, device: { id: 'tv-1' }, client: { name: 'Jellyfin Android TV' }, ip: LAN, trustToken: tvTrustToken });
    expect(tv.decision).toBe('challenge');

    // I lost my phone: what happens is spelled out first; afterwards only a recovery code or an e-mail code works.
    await page.getByRole('button', { name: 'I lost my phone' }).click();
    await page.getByText('Your authenticator app and passkeys stop working until you confirm it is you once').waitFor();
    await checkStep(page, 'security-7-lost-phone-confirm');
    await page.getByRole('button', { name: 'Yes, I lost my phone' }).click();
    await page.getByRole('heading', { name: 'Your phone is marked as lost' }).waitFor();
    await page.getByText('Only a recovery code or a code by e-mail will work now.').waitFor();
    await checkStep(page, 'security-8-lost-phone-done');
    const afterwards = await server.login({ member: { externalId: 'alice' }, device: { id: 'laptop-2' }, client: { name: 'Jellyfin Web' }, ip: LAN });
    expect(afterwards.challenge?.methods).toEqual(['recovery_codes']);
    await page.close();
  }, FLOW_MS);

  it('/enrol and /security without a link are accessible and fit a phone too', async () => {
    const page = await newPage();
    await page.goto(`${svc.base}/enrol#link=${await memberLink(svc, apiKey, 'bob')}`);
    await page.getByRole('button', { name: 'Use an authenticator app' }).waitFor();
    await checkStep(page, 'enrol-choose');
    await page.getByRole('button', { name: 'Use an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    await page.getByText("Can't scan? Type the key instead").click();
    await checkStep(page, 'enrol-totp');
    const fresh = await browser.newContext({ ...PHONE_360 });
    const stranger = watchPage(await fresh.newPage(), svc, log);
    await stranger.goto(`${svc.base}/security`);
    await stranger.getByText('This page opens from the link your media server gives you.').waitFor();
    await checkStep(stranger, 'security-no-link');
    await fresh.close();
    await page.close();
  }, FLOW_MS);

  it('no script errors, and no request left the service', () => {
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
  });

});
