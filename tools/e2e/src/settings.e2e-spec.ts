import { openConsoleTab, signInWithAuthenticator, type ConsoleTab } from './console-browser';
import { OWNER } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { startMailbox } from './portal-smtp';
import { RunningService, startService } from './service';
import { shot } from './browser';

/**
 * The Settings page in real Chromium: a Latchkey started without a mail server; the owner sets one up
 * in the console (the in-process test SMTP server), sends a test e-mail, and it arrives. Screenshots of
 * the page at 1280×800 and 390×844 land in tmp/e2e-screenshots/settings-*.png.
 */
describe('admin console: Settings in Chromium', () => {
  let svc: RunningService;
  let owner: OwnerSession;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let tab: ConsoleTab;

  beforeAll(async () => {
    mailbox = await startMailbox();
    svc = await startService();
    owner = await setUpOwner(svc);
    tab = await openConsoleTab();
  });
  afterAll(async () => {
    await tab?.close();
    await svc?.stop();
    await mailbox?.close();
  });

  it('the owner sets up the mail server, sends a test e-mail, and it arrives', async () => {
    const { page } = tab;
    await signInWithAuthenticator(page, svc.base, owner);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    await page.getByText('No mail server is configured').waitFor();

    const email = page.getByRole('region', { name: 'E-mail (SMTP)' });
    await email.getByRole('button', { name: 'Set up a mail server' }).click();
    await email.getByLabel('Host').fill('127.0.0.1');
    await email.getByLabel('Security').selectOption('none');
    await email.getByLabel('Port').fill(String(mailbox.port));
    await email.getByLabel('Sender').fill('Latchkey <latchkey@example.com>');
    await email.getByRole('button', { name: 'Save mail server' }).click();
    await email.getByText('Mail server saved.').waitFor();
    expect(await email.locator('.badge').textContent()).toContain('Set in the console');

    await email.getByRole('button', { name: 'Send test email' }).click();
    await email.getByText(`Test e-mail sent to ${OWNER.email}`).waitFor();
    const mail = mailbox.mails.find((m) => m.to.includes(OWNER.email));
    expect(mail?.raw).toContain('Latchkey test e-mail');
    expect(mail?.raw).toContain('latchkey@example.com');

    // A notification channel by e-mail, through the same mail server, and its test.
    const channels = page.getByRole('region', { name: 'Notifications' });
    await channels.getByRole('button', { name: 'Add channel' }).click();
    await channels.getByLabel('Kind').selectOption('email');
    await channels.getByLabel('Name').fill('Owner inbox');
    await channels.getByLabel('Send to').fill('alerts@example.com');
    await page.screenshot({ path: shot('settings-channel-form'), fullPage: true });
    await channels.getByRole('button', { name: 'Add channel' }).last().click();
    await channels.getByText('Owner inbox added.').waitFor();
    await channels.getByRole('button', { name: 'Send test to Owner inbox' }).click();
    await channels.getByText('Test delivered').waitFor();
    expect(mailbox.mails.some((m) => m.to.includes('alerts@example.com'))).toBe(true);

    await page.screenshot({ path: shot('settings-desktop'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: shot('settings-phone'), fullPage: true });
    expect(tab.errors).toEqual([]);
  });

  it('per-server settings live on Media servers: web addresses, trusted proxies and forward-auth hosts', async () => {
    const { page } = tab;
    await registerServer(svc, owner, 'Den Jellyfin');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Media servers' }).click();
    await page.getByRole('button', { name: 'Addresses of Den Jellyfin' }).click();
    const dialog = page.getByRole('dialog', { name: 'Addresses of Den Jellyfin' });
    await dialog.getByLabel('Trusted proxies').fill('192.168.1.2\n10.0.0.0/8');
    await dialog.getByLabel('Forward-auth hosts').fill('media.example.com');
    await page.screenshot({ path: shot('settings-server-hosts') });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('2 proxies, 1 forward-auth host').waitFor();
    expect(tab.errors).toEqual([]);
  });
});
