import type { Browser, Page } from 'playwright-core';
import { launchChromium, shot } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { asServer, requireMfaForEveryone } from './portal-flows';
import { codeMailedTo, startMailbox } from './portal-smtp';
import { RunningService, startService } from './service';

/** The member pages with e-mail codes, against the built service sending to a real (local) SMTP server. */

interface LoginDecision {
  decision: string;
  challenge: { id: string; portalUrl: string } | null;
}

describe('member pages: enrol with e-mail codes, then confirm a sign-in with one', () => {
  let svc: RunningService;
  let browser: Browser;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let owner: OwnerSession;
  let apiKey: string;
  let page: Page;
  let enrolCode: string;
  const errors: string[] = [];

  beforeAll(async () => {
    mailbox = await startMailbox();
    [svc, browser] = await Promise.all([
      startService({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(mailbox.port), LATCHKEY_SMTP_SECURITY: 'none' }),
      launchChromium(),
    ]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin');
    await pushMembers(svc, apiKey, [{ externalId: 'carol', username: 'carol', email: 'carol@example.com' }]);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
    await mailbox?.close();
  });

  it('"E-mail me a code" sends a code to the address on file; typing it turns e-mail codes on', async () => {
    await page.goto(`${svc.base}/enrol#link=${await memberLink(svc, apiKey, 'carol')}`);
    await page.getByText('We send a code to c••••@example.com each time you sign in.').waitFor();
    await page.getByRole('button', { name: 'E-mail me a code' }).click();
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
    await page.screenshot({ path: shot('portal-enrol-email'), fullPage: true });
    enrolCode = await codeMailedTo(mailbox, 'carol@example.com');
    await page.getByLabel('Code from the e-mail').fill(enrolCode);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await page.getByLabel('I have saved these codes').check();
    await page.locator('button.done:not([disabled])').click();
    await page.getByText("You're set.").waitFor();
    await page.getByText("you'll confirm with a code we e-mail to").waitFor();
  });

  it('confirms a sign-in with a code by e-mail', async () => {
    await requireMfaForEveryone(svc, owner);
    const login = await asServer<LoginDecision>(svc, apiKey, 'POST', '/api/v1/logins', {
      member: { externalId: 'carol' },
      device: { id: 'tv-9' },
      client: { name: 'Jellyfin for Android TV' },
    });
    expect(login.body.decision).toBe('challenge');
    const challenge = login.body.challenge!;

    await page.goto(challenge.portalUrl);
    await page.getByRole('button', { name: 'E-mail me a code' }).click();
    await page.getByText('We sent a code to').waitFor();
    await page.screenshot({ path: shot('portal-verify-email'), fullPage: true });
    await page.getByLabel('Code from the e-mail').fill(await codeMailedTo(mailbox, 'carol@example.com', enrolCode));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();

    const polled = await asServer<{ status: string }>(svc, apiKey, 'GET', `/api/v1/challenges/${challenge.id}`);
    expect(polled.body.status).toBe('completed');
    expect(errors).toEqual([]);
  });
});
