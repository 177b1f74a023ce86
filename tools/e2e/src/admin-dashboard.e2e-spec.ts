import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openConsoleTab, signInWithAuthenticator, type ConsoleTab } from './console-browser';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { RunningService, startService } from './service';

const SCREENS = path.resolve(__dirname, '../../../tmp-screens');
const screen = (name: string) => path.join(SCREENS, `${name}.png`);

/** Twelve members: four in Family, eight in Friends, half with an e-mail address. */
const DIRECTORY = {
  groups: [
    { externalId: 'g-family', name: 'Family' },
    { externalId: 'g-friends', name: 'Friends' },
  ],
  libraries: [{ externalId: 'lib-movies', name: 'Movies' }],
  members: Array.from({ length: 12 }, (_, i) => ({
    externalId: `u-${i}`,
    username: i < 4 ? ['grandma', 'dad', 'mum', 'kid'][i]! : `friend-${i - 3}`,
    email: i % 2 ? `u${i}@example.com` : undefined,
    groups: [i < 4 ? 'g-family' : 'g-friends'],
  })),
};

/**
 * The owner's dashboard, audit log and reminders pages in real Chromium, on a small household: Family must
 * use MFA today (no grace), everyone else within 14 days; one friend is excused; a few sign-ins were refused.
 * Screenshots land in tmp-screens/ (not committed).
 */
describe('admin console: dashboard, audit log and reminders in Chromium', () => {
  let svc: RunningService;
  let tab: ConsoleTab;
  let page: Page;
  let owner: OwnerSession;

  const asOwner = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${svc.base}${url}`, { method, headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  beforeAll(async () => {
    svc = await startService();
    owner = await setUpOwner(svc);
    const apiKey = await registerServer(svc, owner);
    const pushed = await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify(DIRECTORY) });
    expect(pushed.status).toBe(200);
    const groups = (await asOwner('GET', '/api/v1/groups')) as { items: { id: string; name: string }[] };
    const family = groups.items.find((g) => g.name === 'Family')!.id;
    await asOwner('POST', '/api/v1/policies', { name: 'Everyone within two weeks', gracePeriodDays: 14, enabled: true });
    await asOwner('POST', '/api/v1/policies', { name: 'Family right away', groups: [family], gracePeriodDays: 0, enabled: true });
    const members = (await asOwner('GET', '/api/v1/members?limit=50')) as { items: { id: string; username: string }[] };
    await asOwner('POST', '/api/v1/exemptions', { memberId: members.items.find((m) => m.username === 'friend-8')!.id, reason: 'Shares a TV with grandma' });
    for (const externalId of ['u-0', 'u-1', 'u-0']) {
      const res = await fetch(`${svc.base}/api/v1/logins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ member: { externalId }, device: { id: `tv-${externalId}` }, client: { name: 'Jellyfin Web' } }) });
      expect(res.status).toBe(200);
    }
    fs.mkdirSync(SCREENS, { recursive: true });
    tab = await openConsoleTab();
    page = tab.page;
  });
  afterAll(async () => {
    await tab?.close();
    await svc?.stop();
  });
  afterEach(() => {
    expect(tab.errors).toEqual([]);
    tab.errors.length = 0;
  });

  it('the dashboard shows the rollout: counts, share per policy, deadlines, overdue members to remind', async () => {
    await signInWithAuthenticator(page, svc.base, owner);
    await page.getByRole('heading', { name: 'Compliance' }).waitFor();

    const stat = (label: string) => page.locator('.stat', { hasText: label }).locator('.stat-value');
    expect(await stat('Members').textContent()).toBe('12');
    expect(await stat('Overdue').textContent()).toBe('4');
    expect(await stat('In grace').textContent()).toBe('7');
    expect(await stat('Exempt').textContent()).toBe('1');
    await page.getByRole('rowheader', { name: 'Family right away' }).waitFor();
    await page.getByRole('img', { name: '7 members reach their deadline in the next 30 days; at most 7 on one day.' }).waitFor();
    await page.getByRole('button', { name: 'Remind grandma' }).waitFor();
    await page.screenshot({ path: screen('dashboard'), fullPage: true });

    // No SMTP server is configured here: the reminder is refused with a reason, not silently dropped.
    await page.getByRole('button', { name: 'Remind dad' }).click();
    await page.getByText('E-mail is not set up').waitFor();
  });

  it('the audit log lists the refused sign-ins, filters them and verifies the chain', async () => {
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.locator('tbody tr', { hasText: 'login.decision' }).first().waitFor();
    await page.getByLabel('Event type').fill('login.decision');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Showing 3 events.').waitFor();
    expect(await page.locator('a', { hasText: 'CSV' }).getAttribute('href')).toBe('/api/v1/audit/export?type=login.decision&format=csv');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/All \d+ entries are intact/).waitFor();
    await page.screenshot({ path: screen('audit'), fullPage: true });
  });

  it('the reminders page shows the schedule, saves a message and lists members no e-mail reaches', async () => {
    await page.getByRole('link', { name: 'Reminders', exact: true }).click();
    await page.getByRole('heading', { name: 'Reminders', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'grandma' }).waitFor();
    await page.getByLabel('Sender name').fill('The Smith household');
    await page.getByLabel('Your message').fill('Please set this up before movie night.');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Reminder settings saved.').waitFor();
    await page.screenshot({ path: screen('reminders'), fullPage: true });
  });
});
