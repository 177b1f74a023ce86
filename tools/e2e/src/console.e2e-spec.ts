import type { Browser, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { launchChromium, shot } from './browser';
import { fillSetupForm } from './console-browser';
import { RunningService, startService } from './service';

/**
 * The owner's first minutes, in real headless Chromium against the built service: open the printed
 * setup link, create the account, register a media server and see its key once; and a member's landing
 * page on a phone. Screenshots land in tmp/e2e-screenshots/.
 */
describe('admin console and member pages in Chromium', () => {
  let svc: RunningService;
  let browser: Browser;
  const errors: string[] = [];

  const watch = (page: Page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
  };

  beforeAll(async () => {
    svc = await startService();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });
  afterEach(() => {
    // No script errors and no CSP violations on any page.
    expect(errors).toEqual([]);
    errors.length = 0;
  });

  it('first run: the setup link creates the owner, who registers a server and sees its key once', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    watch(page);
    await page.goto(svc.setupUrl);
    await fillSetupForm(page);
    await page.screenshot({ path: shot('admin-setup'), fullPage: true });
    await page.locator('form button[type=submit]').click();

    // Every admin needs a second factor before the console opens.
    await page.getByRole('heading', { name: 'Protect your account' }).waitFor();
    await page.screenshot({ path: shot('admin-mfa-choice'), fullPage: true });
    await page.getByRole('button', { name: /Use an authenticator app/ }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.screenshot({ path: shot('admin-mfa-totp'), fullPage: true });
    await page.getByLabel('Code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.screenshot({ path: shot('admin-overview'), fullPage: true });

    await page.goto(`${svc.base}/admin/servers`);
    await page.getByRole('heading', { name: 'Media servers' }).waitFor();
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Name').fill('Living room Jellyfin');
    await page.getByLabel('Kind').selectOption('jellyfin');
    await page.getByLabel('Base URL').fill('http://jellyfin.lan:8096');
    await page.locator('form button[type=submit]').click();
    const key = page.getByText(/lk_srv_[\w-]{43}/).first();
    await key.waitFor();
    await page.screenshot({ path: shot('admin-server-key'), fullPage: true });
    const shown = (await key.textContent())?.match(/lk_srv_[\w-]{43}/)?.[0];
    expect(shown).toBeDefined();

    // The key the page showed works for the media server.
    const self = await fetch(`${svc.base}/api/v1/servers/self`, { headers: { authorization: `Bearer ${shown}` } });
    expect(self.status).toBe(200);

    // After a reload the key is gone for good; only its prefix remains.
    await page.reload();
    await page.getByRole('heading', { name: 'Media servers' }).waitFor();
    await page.getByText('Living room Jellyfin').first().waitFor();
    expect(await page.content()).not.toContain(shown);
    await page.close();
  });

  it('a second visit to the setup link says setup is done', async () => {
    const page = await browser.newPage();
    watch(page);
    await page.goto(svc.setupUrl);
    await page.getByText('Setup is already done').waitFor();
    await page.close();
  });

  it('serves console deep links and strict headers', async () => {
    const res = await fetch(`${svc.base}/admin/members`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).not.toMatch(/<script>[^<]/);
  });

  it('member landing page reads well on a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    watch(page);
    await page.goto(`${svc.base}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/two-step verification/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: shot('portal-landing-phone'), fullPage: true });
    // A revisit is answered 304 from the cache validators: the page must still render, under its own CSP.
    await page.goto(`${svc.base}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.goto(`${svc.base}/pair`);
    await page.getByLabel('Enter the code shown on your TV').waitFor();
    expect(await page.getByLabel('Enter the code shown on your TV').getAttribute('autocomplete')).toBe('one-time-code');
    await page.screenshot({ path: shot('portal-pair-phone'), fullPage: true });
    await page.close();
  });
});
