import fs from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, shot } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { asServer, requireMfaForEveryone, sidewaysOverflow } from './portal-flows';
import { RunningService, startService } from './service';

/**
 * The member pages in real Chromium, at a phone's size, against the built service: a member enrols with an
 * authenticator app from a link the media server minted, saves recovery codes, and later confirms a sign-in the
 * media server asked about.
 */

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };

interface LoginDecision {
  decision: string;
  challenge: { id: string; portalUrl: string } | null;
}

describe('member pages: enrol with an authenticator app, then confirm a sign-in', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let apiKey: string;
  let phone: BrowserContext;
  let secret = '';
  let recoveryCodes: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin');
    await pushMembers(svc, apiKey, [{ externalId: 'alice', username: 'alice', email: 'alice@example.com' }]);
    phone = await browser.newContext({ ...PHONE, acceptDownloads: true });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  function watch(page: Page): Page {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
    return page;
  }

  it('a member sets up an authenticator app from their link and saves recovery codes', async () => {
    const link = await memberLink(svc, apiKey, 'alice');
    const page = watch(await phone.newPage());
    await page.goto(`${svc.base}/enrol#link=${link}`);

    await page.getByText('Owner, who runs Family Jellyfin, asks everyone who uses it to turn on two-step verification.').waitFor();
    // The single-use token is taken out of the address bar.
    expect(page.url()).toBe(`${svc.base}/enrol`);
    await expect(page.getByRole('button', { name: 'Use this phone or computer' }).count()).resolves.toBe(1);
    await page.screenshot({ path: shot('portal-enrol-choose'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);

    await page.getByRole('button', { name: 'Use an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    await page.screenshot({ path: shot('portal-enrol-totp'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await page.getByText("Can't scan? Type the key instead").click();
    secret = ((await page.locator('.secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);

    const input = page.getByLabel('Code from the app');
    await expect(input.getAttribute('autocomplete')).resolves.toBe('one-time-code');
    await expect(input.getAttribute('inputmode')).resolves.toBe('numeric');
    await input.fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await page.getByRole('button', { name: 'Turn on' }).click();

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await expect(page.locator('ol.codes li').count()).resolves.toBe(10);
    const codes = (await page.locator('ol.codes li').allTextContents()).map((c) => c.trim());
    recoveryCodes = codes;
    await page.screenshot({ path: shot('portal-enrol-codes'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download (.txt)' }).click()]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const saved = fs.readFileSync((await download.path()) as string, 'utf8');
    for (const code of codes) expect(saved).toContain(code);

    const done = page.getByRole('button', { name: 'Done' });
    await expect(done.isDisabled()).resolves.toBe(true);
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').waitFor();
    await done.click();
    await page.getByText("You're set.").waitFor();
    await page.getByText("Next time you sign in to Family Jellyfin, you'll confirm with a code from your authenticator app.").waitFor();
    await page.screenshot({ path: shot('portal-enrol-done'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await page.close();
  });

  it('the media server asks for a sign-in; the member confirms it with a code from the app', async () => {
    expect(secret).not.toBe('');
    await requireMfaForEveryone(svc, owner);
    const login = await asServer<LoginDecision>(svc, apiKey, 'POST', '/api/v1/logins', {
      member: { externalId: 'alice' },
      device: { id: 'tv-1', name: 'Living room TV' },
      client: { name: 'Jellyfin Web' },
    });
    expect(login.status).toBe(200);
    expect(login.body.decision).toBe('challenge');
    const challenge = login.body.challenge!;
    expect(challenge.portalUrl).toMatch(/\/verify#link=.+&challenge=/);

    const page = watch(await phone.newPage());
    await page.goto(challenge.portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as alice.').waitFor();
    expect(page.url()).toBe(`${svc.base}/verify`);
    // A reload carries on: the session cookie, and the challenge id kept in the history entry.
    await page.reload();
    await page.getByText('Someone is signing in to Family Jellyfin as alice.').waitFor();
    await page.screenshot({ path: shot('portal-verify-answer'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);

    // A wrong code is refused plainly, and the member can try again.
    const input = page.getByLabel('6-digit code from the app');
    await input.fill('000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('That did not work').waitFor();
    await page.screenshot({ path: shot('portal-verify-wrong'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);

    // The enrolment used the current time step; a step is accepted once, so answer with the next one (±1 allowed).
    await input.fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();
    await page.screenshot({ path: shot('portal-verify-done'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);

    const polled = await asServer<{ status: string }>(svc, apiKey, 'GET', `/api/v1/challenges/${challenge.id}`);
    expect(polled).toMatchObject({ status: 200, body: { status: 'completed' } });
    await page.close();
  });

  it('later, a member who is set up sees their methods and confirms with a recovery code before adding another', async () => {
    const page = watch(await phone.newPage());
    await page.goto(`${svc.base}/enrol#link=${await memberLink(svc, apiKey, 'alice')}`);
    await page.getByText('Two-step verification is already set up for Family Jellyfin.').waitFor();
    await page.screenshot({ path: shot('portal-enrol-enrolled'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);
    const methods = await page.locator('.factor-list li').allTextContents();
    expect(methods.join(' | ')).toBe('Authenticator app | Recovery codes (10 left)');

    await page.getByRole('button', { name: 'Add another way' }).click();
    await page.getByRole('heading', { name: 'First, confirm it is you' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    const recovery = page.getByLabel('One of your recovery codes');
    await recovery.fill(recoveryCodes[0]!.toLowerCase());
    await recovery.press('Enter');
    await page.getByRole('button', { name: 'Use an authenticator app' }).waitFor();
    await page.screenshot({ path: shot('portal-enrol-add-another'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await page.close();
  });

  it('an already used link gets a plain message', async () => {
    const link = await memberLink(svc, apiKey, 'alice');
    const first = await fetch(`${svc.base}/api/v1/portal/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link }) });
    expect(first.status).toBe(201);
    const page = watch(await phone.newPage());
    await page.goto(`${svc.base}/enrol#link=${link}`);
    await page.getByText('This link is invalid, expired or already used.').waitFor();
    await page.screenshot({ path: shot('portal-enrol-invalid'), fullPage: true });
    await expect(sidewaysOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await page.close();
  });

  it('left no script errors in the pages', () => {
    expect(errors).toEqual([]);
  });
});
