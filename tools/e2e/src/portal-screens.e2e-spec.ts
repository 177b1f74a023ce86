import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { AuthenticatorApp, enrolAuthenticator, overflowAt360, seriousViolations } from './portal-checks';
import { asServer, loopbackSite, requireMfaForEveryone } from './portal-flows';
import { codeMailedTo, startMailbox } from './portal-smtp';
import { RunningService, startService } from './service';

/**
 * Every member page and every state of it, in real Chromium, screenshotted at a phone's size (390×844) and at
 * desktop size (1280×800) for people to look at — `PORTAL_SHOTS_DIR`, or tmp-screens/portal (not committed).
 * Each state must also fit a 360-px-wide phone and pass axe-core with no serious or critical violation.
 */

const SHOTS_DIR = process.env['PORTAL_SHOTS_DIR'] ?? path.resolve(__dirname, '../../../tmp-screens/portal');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const FLOW_MS = 60_000;

interface LoginDecision {
  decision: string;
  challenge: { id: string; portalUrl: string; userCode: string; verificationUri: string } | null;
}

describe('member pages: every page and state, at phone and desktop sizes', () => {
  let svc: RunningService;
  let browser: Browser;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let web: Awaited<ReturnType<typeof loopbackSite>>;
  let owner: OwnerSession;
  let apiKey: string;
  let phone: BrowserContext;
  let aliceApp: AuthenticatorApp;
  let aliceCodes: string[] = [];
  let carolCode: string | null = null;
  const errors: string[] = [];
  const taken: string[] = [];

  const login = (externalId: string, device: { id: string; name: string }, client: string, extra: Record<string, unknown> = {}) =>
    asServer<LoginDecision>(svc, apiKey, 'POST', '/api/v1/logins', { member: { externalId }, device, client: { name: client }, ...extra }).then((r) => r.body);

  async function open(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(url.startsWith('/') ? `${svc.base}${url}` : url);
    return page;
  }

  /** Fits 360 px, no serious accessibility problem; then a full-page screenshot at each size. */
  async function snap(page: Page, name: string): Promise<void> {
    await page.setViewportSize({ width: 360, height: 740 });
    await expect(overflowAt360(page)).resolves.toBe(0);
    await expect(seriousViolations(page)).resolves.toEqual([]);
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: path.join(SHOTS_DIR, `${name}-${size}.png`), fullPage: true });
    }
    await page.setViewportSize(PHONE);
    taken.push(name);
  }

  async function confirmWithRecoveryCode(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('One of your recovery codes').fill(aliceCodes.shift()!);
    await page.getByRole('button', { name: 'Confirm' }).last().click();
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    [mailbox, web] = await Promise.all([startMailbox(), loopbackSite('Jellyfin web client')]);
    [svc, browser] = await Promise.all([
      startService({
        LATCHKEY_SMTP_HOST: '127.0.0.1',
        LATCHKEY_SMTP_PORT: String(mailbox.port),
        LATCHKEY_SMTP_SECURITY: 'none',
        LATCHKEY_LOCKOUT_THRESHOLD: '3',
        LATCHKEY_CHALLENGE_ATTEMPTS: '3',
        LATCHKEY_PENDING_CHALLENGES_PER_MEMBER: '1',
      }),
      launchChromium(),
    ]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin', web.origin);
    await pushMembers(svc, apiKey, [
      { externalId: 'alice', username: 'alice', email: 'alice@example.com' },
      { externalId: 'bob', username: 'bob' },
      { externalId: 'carol', username: 'carol', email: 'carol@example.com' },
      { externalId: 'dave', username: 'dave' },
    ]);
    await requireMfaForEveryone(svc, owner);
    phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
    await mailbox?.close();
    await web?.close();
  });

  it('pages reached without a link: landing, not found, and each page opened bare', async () => {
    for (const [url, name, text] of [
      ['/', 'landing', 'two-step verification'],
      ['/no-such-page', 'not-found', 'This page does not exist'],
      ['/enrol', 'enrol-0-no-link', 'To set up, you need your personal link.'],
      ['/verify', 'verify-0-no-link', 'This page opens from the link your media server shows'],
      ['/security', 'security-0-no-link', 'My security'],
      ['/sign-in', 'sign-in-0-no-target', 'Sign in'],
    ] as const) {
      const page = await open(phone, url);
      await page.getByText(text).first().waitFor();
      await page.waitForLoadState('networkidle');
      await snap(page, name);
      await page.close();
    }
  }, FLOW_MS);

  it('enrol with an authenticator app: choose, set up, recovery codes, done; then already set up, and a used link', async () => {
    const link = await memberLink(svc, apiKey, 'alice');
    const page = await open(phone, `/enrol#link=${link}`);
    // No grace period in this world: the deadline has passed, and the page says what that means.
    await page.getByText(/asks everyone who uses it to turn on two-step verification; the deadline was .+, so Family Jellyfin may not let you in until you do\./).waitFor();
    await snap(page, 'enrol-1-choose');
    await page.getByRole('button', { name: 'Use an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    await page.getByText("Can't scan? Type the key instead").click();
    await snap(page, 'enrol-2-authenticator');
    aliceApp = new AuthenticatorApp(((await page.locator('.secret').textContent()) ?? '').replace(/\s/g, ''));
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('That did not work').waitFor();
    await snap(page, 'enrol-2b-authenticator-wrong-code');
    await page.getByLabel('Code from the app').fill(aliceApp.code());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    aliceCodes = (await page.locator('ol.codes li').allTextContents()).map((c) => c.trim());
    await snap(page, 'enrol-3-recovery-codes');
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').click();
    await page.getByText("You're set.").waitFor();
    await snap(page, 'enrol-4-done');
    await page.close();

    const again = await open(phone, `/enrol#link=${await memberLink(svc, apiKey, 'alice')}`);
    await again.getByText('Two-step verification is already set up for Family Jellyfin.').waitFor();
    await snap(again, 'enrol-5-already-set-up');
    await again.close();

    const used = await open(phone, `/enrol#link=${link}`);
    await used.getByText('This link is invalid, expired or already used.').waitFor();
    await snap(used, 'enrol-6-used-link');
    await used.close();
  }, FLOW_MS);

  it('enrol with e-mail codes', async () => {
    const page = await open(phone, `/enrol#link=${await memberLink(svc, apiKey, 'carol')}`);
    await page.getByRole('button', { name: 'E-mail me a code' }).click();
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
    await snap(page, 'enrol-email-1-check');
    carolCode = await codeMailedTo(mailbox, 'carol@example.com');
    await page.getByLabel('Code from the e-mail').fill(carolCode);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').click();
    await page.getByText("You're set.").waitFor();
    await snap(page, 'enrol-email-2-done');
    await page.close();
  }, FLOW_MS);

  it('enrol with a passkey, and confirm a sign-in with it', async () => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const page = await open(context, 'about:blank');
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${svc.base}/enrol#link=${await memberLink(svc, apiKey, 'bob')}`);
    await page.getByRole('button', { name: 'Use this phone or computer' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await snap(page, 'enrol-passkey-1-recovery-codes');
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').click();
    await page.getByText("You're set.").waitFor();
    await snap(page, 'enrol-passkey-2-done');

    const c = (await login('bob', { id: 'web-bob', name: 'Chrome on a laptop' }, 'Jellyfin Web')).challenge!;
    await page.goto(c.portalUrl);
    await page.getByRole('heading', { name: 'With your passkey' }).waitFor();
    await snap(page, 'verify-passkey-1-answer');
    await page.getByRole('button', { name: 'Use this phone or computer' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();
    await snap(page, 'verify-passkey-2-done');
    await context.close();
  }, FLOW_MS);

  it('verify with the authenticator app from a web client: a wrong code, a recovery code offered, then back to the web client', async () => {
    const returnUrl = `${web.origin}/web/index.html#!/home.html`;
    const c = (await login('alice', { id: 'web-1', name: 'Firefox on a laptop' }, 'Jellyfin Web', { returnUrl })).challenge!;
    const page = await open(phone, c.portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as alice.').waitFor();
    await snap(page, 'verify-1-answer');
    await page.getByLabel('6-digit code from the app').fill('000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('That did not work').waitFor();
    await snap(page, 'verify-2-wrong-code');
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await snap(page, 'verify-3-recovery-code');
    await page.getByLabel('6-digit code from the app').fill(aliceApp.code());
    await page.getByRole('button', { name: 'Confirm' }).first().click();
    await page.getByRole('link', { name: 'Back to Family Jellyfin' }).waitFor();
    await snap(page, 'verify-4-done-back-to-web-client');
    await page.reload();
    await page.getByText('This sign-in is already confirmed.').waitFor();
    await snap(page, 'verify-5-already-confirmed');
    await page.getByRole('link', { name: 'Back to Family Jellyfin' }).click();
    await page.waitForURL(returnUrl);
    await page.close();
  }, FLOW_MS);

  it('verify from a TV app with "Remember this device", and a request that has expired', async () => {
    const first = (await login('alice', { id: 'tv-2', name: 'Bedroom TV' }, 'Jellyfin Android TV')).challenge!;
    // One open request per member here: a newer sign-in expires the older one.
    const second = (await login('alice', { id: 'tv-2', name: 'Bedroom TV' }, 'Jellyfin Android TV')).challenge!;
    const stale = await open(phone, first.portalUrl);
    await stale.getByText('This request has expired.').waitFor();
    await snap(stale, 'verify-6-expired');
    await stale.close();

    const page = await open(phone, second.portalUrl);
    await page.getByLabel('Remember this device').check();
    await confirmWithRecoveryCode(page);
    await page.getByText('The device you are signing in on is remembered').waitFor();
    await snap(page, 'verify-7-done-remembered');
    await page.close();
  }, FLOW_MS);

  it('verify with a code by e-mail', async () => {
    const c = (await login('carol', { id: 'tv-9', name: 'Kitchen tablet' }, 'Jellyfin for Android')).challenge!;
    const page = await open(phone, c.portalUrl);
    await page.getByRole('button', { name: 'E-mail me a code' }).waitFor();
    await snap(page, 'verify-email-1-answer');
    await page.getByRole('button', { name: 'E-mail me a code' }).click();
    await page.getByText('We sent a code to').waitFor();
    await snap(page, 'verify-email-2-sent');
    await page.getByLabel('Code from the e-mail').fill(await codeMailedTo(mailbox, 'carol@example.com', carolCode));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();
    await snap(page, 'verify-email-3-done');
    await page.close();
  }, FLOW_MS);

  it('verify: too many wrong codes lock the request and the member out', async () => {
    const { app } = await enrolAuthenticator(svc, await memberLink(svc, apiKey, 'dave'));
    const c = (await login('dave', { id: 'web-d', name: 'Safari on an iPad' }, 'Jellyfin Web')).challenge!;
    const page = await open(phone, c.portalUrl);
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('6-digit code from the app').fill('000000');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.locator('#totp-code-error').waitFor();
    }
    await page.getByText('Several tries did not work.').waitFor();
    await snap(page, 'verify-8-too-many-tries');
    // Even the right code is refused now, in the same words: the member is locked out for a while.
    await page.getByLabel('6-digit code from the app').fill(app.code());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#totp-code-error').waitFor();
    await expect(asServer<{ status: string }>(svc, apiKey, 'GET', `/api/v1/challenges/${c.id}`).then((r) => r.body.status)).resolves.toBe('pending');
    await snap(page, 'verify-9-right-code-refused');
    await page.close();
  }, FLOW_MS);

  it('pair a TV: the code, a wrong code, confirm it is you, review, approve; and deny another', async () => {
    const tv = (await login('alice', { id: 'tv-1', name: 'Living room TV' }, 'Jellyfin Android TV', { ip: { peer: '192.168.1.20' } })).challenge!;
    const page = await open(phone, '/pair');
    const input = page.getByLabel('Enter the code shown on your TV');
    await snap(page, 'pair-1-code');
    await input.fill('bcdf ghjk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This code does not work.').waitFor();
    await snap(page, 'pair-2-wrong-code');
    await input.fill(tv.userCode.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'First, confirm it is you' }).waitFor();
    await snap(page, 'pair-3-confirm');
    await confirmWithRecoveryCode(page);
    await page.getByRole('heading', { name: 'Is this your TV or app?' }).waitFor();
    await snap(page, 'pair-4-review');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Done. You can go back to your TV now.' }).waitFor();
    await snap(page, 'pair-5-approved');
    await page.close();

    const other = (await login('alice', { id: 'tv-3', name: 'Unknown Roku' }, 'Jellyfin for Roku', { ip: { peer: '203.0.113.9' } })).challenge!;
    const deny = await open(phone, '/pair');
    await deny.getByLabel('Enter the code shown on your TV').fill(other.userCode);
    await deny.getByRole('button', { name: 'Continue' }).click();
    await confirmWithRecoveryCode(deny);
    await deny.getByRole('button', { name: 'Deny' }).click();
    await deny.getByRole('heading', { name: 'Denied. The TV was refused.' }).waitFor();
    await snap(deny, 'pair-6-denied');
    await deny.close();
  }, FLOW_MS);

  it('My security: the overview, and the confirmation a change asks for', async () => {
    const manage = await asServer<{ url: string }>(svc, apiKey, 'POST', '/api/v1/directory/members/alice/links', { purpose: 'manage' });
    const page = await open(phone, manage.body.url);
    await page.getByRole('heading', { name: 'My security' }).waitFor();
    await page.waitForLoadState('networkidle');
    await snap(page, 'security-1-overview');
    await page.getByLabel('Name for a new app password').fill('Infuse on the iPad');
    await page.getByRole('button', { name: 'Create app password' }).click();
    await page.getByRole('heading', { name: 'First, confirm it is you' }).waitFor();
    await snap(page, 'security-2-confirm-first');
    await confirmWithRecoveryCode(page);
    await page.getByText('Copy it now: it is shown only this once.').waitFor();
    await snap(page, 'security-3-app-password-shown');
    await page.getByRole('button', { name: 'I have put it in the app' }).click();
    await page.getByText('Infuse on the iPad is ready to use.').waitFor();
    await page.locator('section[aria-labelledby="app-passwords-heading"]').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('This cannot be undone.').waitFor();
    await snap(page, 'security-4-revoke-confirm');
    await page.locator('app-confirm-box').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Infuse on the iPad is revoked.').waitFor();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Sign out everywhere?' }).waitFor();
    await snap(page, 'security-5-sign-out-everywhere-confirm');
    await page.locator('app-confirm-box').getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('You are signed out everywhere').waitFor();
    await snap(page, 'security-6-signed-out');
    await page.getByRole('button', { name: 'I lost my phone' }).click();
    await page.getByText('Your authenticator app and passkeys stop working until you confirm it is you once').waitFor();
    await snap(page, 'security-7-lost-phone-confirm');
    await page.getByRole('button', { name: 'Yes, I lost my phone' }).click();
    await page.getByRole('heading', { name: 'Your phone is marked as lost' }).waitFor();
    await snap(page, 'security-8-lost-phone-done');
    await page.close();
  }, FLOW_MS);

  it('sign in for a page behind forward-auth', async () => {
    const servers = (await (await fetch(`${svc.base}/api/v1/servers`, { headers: { cookie: owner.cookie } })).json()) as { items: Array<{ id: string }> };
    const patched = await fetch(`${svc.base}/api/v1/servers/${servers.items[0]!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
      body: JSON.stringify({ forwardAuthHosts: ['media.example.test'] }),
    });
    expect(patched.status).toBe(200);
    const page = await open(phone, `/sign-in?rd=${encodeURIComponent('https://media.example.test/web/index.html')}`);
    await page.getByRole('heading', { name: /password/ }).waitFor();
    await snap(page, 'sign-in-1-choose');
    await page.close();
  }, FLOW_MS);

  it('left no script errors, and took every screenshot', () => {
    expect(errors).toEqual([]);
    expect(taken.length).toBeGreaterThanOrEqual(46);
  });
});
