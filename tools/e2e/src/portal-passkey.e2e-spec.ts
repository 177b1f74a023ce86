import type { Browser, Page } from 'playwright-core';
import { launchChromium, shot } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { asServer, requireMfaForEveryone } from './portal-flows';
import { RunningService, startService } from './service';
import { addVirtualAuthenticator } from './webauthn';

/**
 * The member pages with a passkey, in real Chromium with its virtual authenticator (CDP) standing in for the
 * phone's fingerprint reader: offered first, set up in one tap, and used to confirm a sign-in.
 */

interface LoginDecision {
  decision: string;
  challenge: { id: string; portalUrl: string; methods: string[] } | null;
}

describe('member pages: enrol with a passkey, then confirm a sign-in with it', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let apiKey: string;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin');
    await pushMembers(svc, apiKey, [{ externalId: 'bob', username: 'bob', email: 'bob@example.com' }]);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await addVirtualAuthenticator(context, page);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('"Use this phone or computer" creates a passkey, then recovery codes, then done', async () => {
    await page.goto(`${svc.base}/enrol#link=${await memberLink(svc, apiKey, 'bob')}`);
    await page.locator('.choice').first().waitFor();
    // By keyboard alone: the first button on the page is the passkey, and Enter uses it.
    let focused = '';
    for (let i = 0; i < 6 && focused !== 'BUTTON'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.tagName ?? '');
    }
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Use this phone or computer');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').click();
    await page.getByText("You're set.").waitFor();
    await page.getByText('you\'ll confirm with your passkey').waitFor();
    await page.screenshot({ path: shot('portal-enrol-passkey-done'), fullPage: true });
  });

  it('the member confirms a sign-in with the passkey, offered first', async () => {
    await requireMfaForEveryone(svc, owner);
    const login = await asServer<LoginDecision>(svc, apiKey, 'POST', '/api/v1/logins', {
      member: { externalId: 'bob' },
      device: { id: 'phone-1' },
      client: { name: 'Jellyfin Android' },
    });
    expect(login.body.decision).toBe('challenge');
    const challenge = login.body.challenge!;

    await page.goto(challenge.portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as bob.').waitFor();
    const ways = await page.locator('section.way h2').allTextContents();
    expect(ways[0]).toBe('With your passkey');
    await page.screenshot({ path: shot('portal-verify-passkey'), fullPage: true });
    await page.getByRole('button', { name: 'Use this phone or computer' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();

    const polled = await asServer<{ status: string }>(svc, apiKey, 'GET', `/api/v1/challenges/${challenge.id}`);
    expect(polled.body.status).toBe('completed');
    expect(errors).toEqual([]);
  });
});
