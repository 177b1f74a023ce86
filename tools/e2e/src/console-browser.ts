import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { launchChromium } from './browser';
import { OWNER } from './member-portal';
import type { AdminSession, OwnerSession } from './owner';

export interface ConsoleTab {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far; specs expect it empty after each test. */
  errors: string[];
  close(): Promise<void>;
}

/** A 1280×800 Chromium tab that records page and console errors. */
export async function openConsoleTab(): Promise<ConsoleTab> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return {
    browser,
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}

/** Signs the owner in through the console: password, then the authenticator app; ends on the Overview. */
export async function signInWithAuthenticator(page: Page, base: string, owner: OwnerSession): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Email address').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  // Setup used the current step's code and a step counts once: the next step's code is within the window.
  const code = new TOTP({ secret: Secret.fromBase32(owner.totpSecret) }).generate({ timestamp: Date.now() + 30_000 });
  await page.getByLabel('Code from your authenticator app').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** Fills in the first-run setup form opened from the printed setup link (not submitted). */
export async function fillSetupForm(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Set up Latchkey' }).waitFor();
  await page.getByLabel('Email address').fill(OWNER.email);
  await page.getByLabel('Display name').fill(OWNER.displayName);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Confirm password').fill(OWNER.password);
}

/** The console tab's own admin session (its cookies and CSRF token), for API calls made beside the page. */
export async function consoleSession(context: BrowserContext, base: string): Promise<AdminSession> {
  const cookie = (await context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await context.request.get(`${base}/api/v1/admin/session`);
  if (res.status() !== 200) throw new Error(`no console session: ${res.status()}`);
  return { cookie, csrfToken: ((await res.json()) as { csrfToken: string }).csrfToken };
}
