import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './browser';
import { memberLink, pushMembers } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { enrolAuthenticator, type AuthenticatorApp } from './portal-checks';
import { asServer, loopbackSite, requireMfaForEveryone } from './portal-flows';
import { RunningService, startService } from './service';

/**
 * Back to the web client after a verification, in real Chromium: the member lands on the media server's own
 * page, and never on a page an attacker chose (open redirect) — neither one the media server was talked into
 * sending, nor one added to the link.
 */

interface LoginDecision {
  decision: string;
  challenge: { id: string; portalUrl: string } | null;
  error?: { code: string };
}

describe('open redirect: after verifying, the member goes back to the media server’s web client and nowhere else', () => {
  let svc: RunningService;
  let browser: Browser;
  let phone: BrowserContext;
  let owner: OwnerSession;
  let apiKey: string;
  let app: AuthenticatorApp;
  let recoveryCodes: string[];
  let webClient: Awaited<ReturnType<typeof loopbackSite>>;
  let attacker: Awaited<ReturnType<typeof loopbackSite>>;
  const errors: string[] = [];

  const login = (returnUrl?: string) =>
    asServer<LoginDecision>(svc, apiKey, 'POST', '/api/v1/logins', {
      member: { externalId: 'alice' },
      device: { id: 'web-1', name: 'Firefox' },
      client: { name: 'Jellyfin Web' },
      ...(returnUrl === undefined ? {} : { returnUrl }),
    });

  /** The member confirms on their phone: with the app, or (its next time step not accepted yet) a recovery code. */
  async function verifyOnPhone(portalUrl: string, how: 'app' | 'recovery code' = 'app') {
    const page = await phone.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(portalUrl);
    await page.getByText('Someone is signing in to Family Jellyfin as alice.').waitFor();
    if (how === 'app') {
      await page.getByLabel('6-digit code from the app').fill(app.code());
    } else {
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByLabel('One of your recovery codes').fill(recoveryCodes.shift()!);
    }
    await page.getByRole('button', { name: 'Confirm' }).last().click();
    await page.getByRole('heading', { name: /^Done/ }).waitFor();
    return page;
  }

  beforeAll(async () => {
    [svc, browser, webClient, attacker] = await Promise.all([startService(), launchChromium(), loopbackSite('Family Jellyfin web client'), loopbackSite('Attacker')]);
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner, 'Family Jellyfin', webClient.origin);
    await pushMembers(svc, apiKey, [{ externalId: 'alice', username: 'alice' }]);
    ({ app, recoveryCodes } = await enrolAuthenticator(svc, await memberLink(svc, apiKey, 'alice')));
    await requireMfaForEveryone(svc, owner);
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
    await webClient?.close();
    await attacker?.close();
  });

  it('lands on the allowed return URL: the web client page the sign-in came from', async () => {
    const returnUrl = `${webClient.origin}/web/index.html#!/home.html`;
    const decision = await login(returnUrl);
    expect(decision.body.decision).toBe('challenge');
    const page = await verifyOnPhone(decision.body.challenge!.portalUrl);
    const back = page.getByRole('link', { name: 'Back to Family Jellyfin' });
    await expect(back.getAttribute('href')).resolves.toBe(returnUrl);
    await back.click();
    await page.waitForURL(returnUrl);
    await page.getByRole('heading', { name: 'Family Jellyfin web client' }).waitFor();
    expect(webClient.visits).toContain('/web/index.html');
    await page.close();
  });

  it.each([
    ['another site', () => `${attacker.origin}/steal`],
    ['the server as user info of another site', () => `${webClient.origin}@${attacker.origin.slice('http://'.length)}/`],
    ['scheme-relative', () => `//${attacker.origin.slice('http://'.length)}/`],
    ['a backslash', () => `${webClient.origin}\\@${attacker.origin.slice('http://'.length)}/`],
    ['javascript:', () => 'javascript:location="http://evil.example/"'],
  ])('an attacker’s return URL (%s) is refused when the media server passes it on', async (_what, url) => {
    const decision = await login(url());
    expect(decision.status).toBe(400);
    expect(decision.body.error?.code).toBe('return_url_not_allowed');
  });

  it('a return URL added to the link is ignored: after verifying, the page stays on Latchkey', async () => {
    const decision = await login();
    const evil = encodeURIComponent(`${attacker.origin}/steal`);
    const page = await verifyOnPhone(`${decision.body.challenge!.portalUrl}&returnUrl=${evil}&rd=${evil}`, 'recovery code');
    await page.getByText('Done — you can go back to your TV or app now.').waitFor();
    await expect(page.getByRole('link', { name: /Back to/ }).count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(attacker.origin);
    expect(new URL(page.url()).origin).toBe(svc.base);
    expect(attacker.visits).toEqual([]);
    await page.close();
  });

  it('left no script errors in the pages', () => {
    expect(errors).toEqual([]);
  });
});
