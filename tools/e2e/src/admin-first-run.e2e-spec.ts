import fs from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { consoleSession, fillSetupForm, openConsoleTab, type ConsoleTab } from './console-browser';
import { pushMembers } from './member-portal';
import { registerServer } from './owner';
import { requireMfaForEveryone } from './portal-flows';
import { mailTo, startMailbox, type Mailbox } from './portal-smtp';
import { RunningService, startService } from './service';
import { addVirtualAuthenticator } from './webauthn';

const SCREENS = path.resolve(__dirname, '../../../tmp-screens');
const screen = (name: string) => path.join(SCREENS, `${name}.png`);

/**
 * The owner's first run in real headless Chromium against the built service, with a virtual WebAuthn
 * authenticator and an in-process SMTP server: the printed setup link, a second factor where the passkey
 * is offered first and chosen, the dashboard; then, from the members page, a reminder to an overdue member
 * whose e-mail (with the personal enrolment link) arrives at the SMTP server, and the link opens the
 * member's enrolment page. Screenshots land in tmp-screens/ (not committed).
 */
describe('admin console: first run with a passkey, then a reminder that arrives by e-mail', () => {
  let mailbox: Mailbox;
  let svc: RunningService;
  let tab: ConsoleTab;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    mailbox = await startMailbox();
    [svc, tab] = await Promise.all([startService({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(mailbox.port), LATCHKEY_SMTP_SECURITY: 'none' }), openConsoleTab()]);
    page = tab.page;
    ({ cdp, authenticatorId } = await addVirtualAuthenticator(tab.context, page));
    fs.mkdirSync(SCREENS, { recursive: true });
  });
  afterAll(async () => {
    await tab?.close();
    await svc?.stop();
    await mailbox?.close();
  });
  afterEach(() => {
    // No script errors and no CSP violations on any page.
    expect(tab.errors).toEqual([]);
    tab.errors.length = 0;
  });

  it('first run: the passkey is offered first; the owner chooses it and lands on the dashboard, signed in', async () => {
    await page.goto(svc.setupUrl);
    await fillSetupForm(page);
    await page.locator('form button[type=submit]').click();

    await page.getByRole('heading', { name: 'Protect your account' }).waitFor();
    const choices = page.locator('.choices button');
    await expect(choices.first().locator('strong').textContent()).resolves.toBe('Use a passkey');
    await expect(choices.nth(1).locator('strong').textContent()).resolves.toBe('Use an authenticator app');
    await page.screenshot({ path: screen('first-run-mfa-choice'), fullPage: true });
    await choices.first().click();

    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('region', { name: 'At a glance' }).waitFor(); // the dashboard's figures, not its loading state
    await page.screenshot({ path: screen('first-run-overview'), fullPage: true });
    // The authenticator holds the owner's new passkey, and the session it opened has passed MFA.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    const session = await tab.context.request.get(`${svc.base}/api/v1/admin/session`);
    await expect(session.json()).resolves.toMatchObject({ mfa: 'verified', admin: { email: 'owner@example.com' } });
  });

  it('the owner sends a reminder to an overdue member from the members page; the mail with the enrolment link arrives', async () => {
    const owner = await consoleSession(tab.context, svc.base);
    const apiKey = await registerServer(svc, owner);
    await pushMembers(svc, apiKey, [
      { externalId: 'dad', username: 'dad', email: 'dad@example.com' },
      { externalId: 'kid', username: 'kid' },
    ]);
    await requireMfaForEveryone(svc, owner); // no grace period: both are overdue at once

    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByLabel('Status').selectOption('overdue');
    await page.getByRole('link', { name: 'kid' }).waitFor();
    await page.getByRole('checkbox', { name: 'Select dad' }).check();
    await page.getByRole('checkbox', { name: 'Select kid' }).check();
    await page.getByRole('button', { name: 'Send reminder…' }).click();
    await page.getByRole('button', { name: 'Send reminders' }).click();
    await page.getByText(/^1 reminder sent\. 1 skipped/).waitFor();
    await page.screenshot({ path: screen('first-run-reminder-sent'), fullPage: true });

    const mail = await mailTo(mailbox, 'dad@example.com');
    expect(mail).toMatch(/^Subject: .+/m);
    const link = new RegExp(`${svc.base.replace(/[.:/]/g, '\\$&')}/enrol#link=[\\w-]+`).exec(mail)?.[0];
    expect(link).toBeDefined();
    expect(mailbox.mailsTo('dad@example.com')).toHaveLength(1);

    // The personal link opens dad's enrolment page (in a browser of his own).
    const member = await tab.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const memberPage = await member.newPage();
      await memberPage.goto(link as string);
      await memberPage.locator('.choice').first().waitFor();
      await memberPage.screenshot({ path: screen('first-run-reminder-link'), fullPage: true });
    } finally {
      await member.close();
    }
  });
});
