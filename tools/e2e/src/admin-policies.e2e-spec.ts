import type { Page } from 'playwright-core';
import { shot } from './browser';
import { openConsoleTab, signInWithAuthenticator, type ConsoleTab } from './console-browser';
import { pushDirectory } from './admin-policies-directory';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { RunningService, startService } from './service';

/**
 * The owner's policies in real Chromium: sign in through the console (password, then the authenticator
 * app), preview a policy for one group against a directory a media server pushed, create and enable it,
 * then excuse one member. Screenshots land in tmp/e2e-screenshots/admin-policies-*.png.
 */
describe('admin console: policies and exemptions in Chromium', () => {
  let svc: RunningService;
  let tab: ConsoleTab;
  let page: Page;
  let owner: OwnerSession;

  beforeAll(async () => {
    svc = await startService();
    owner = await setUpOwner(svc);
    await pushDirectory(svc, await registerServer(svc, owner));
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

  const count = (name: string) => page.locator(`[data-count="${name}"]`);

  it('the owner signs in with password and authenticator code', async () => {
    await signInWithAuthenticator(page, svc.base, owner);
  });

  it('previews a policy for one group, creates it and enables it', async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await page.getByText('No policies yet').waitFor();
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByRole('heading', { name: 'New policy' }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('Family must use MFA');
    await page.getByLabel('Only members of chosen groups').check();
    await page.getByRole('checkbox', { name: /Family/ }).check();
    await page.getByText('3 members').waitFor();

    // With no grace period, everyone in Family without a factor is blocked today.
    await page.getByLabel('Grace period (days)').fill('0');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expectCounts({ compliant: '0', inGrace: '0', blockedNow: '3', exempt: '0', notInScope: '2' });
    await page.locator('.blocked-list').getByText('grandma').waitFor();
    await page.screenshot({ path: shot('admin-policies-preview-blocked'), fullPage: true });

    // Two weeks: all three are in grace, their deadlines in one week.
    await page.getByLabel('Grace period (days)').fill('14');
    await page.getByText('The form changed since this preview').waitFor();
    await page.getByRole('button', { name: 'Preview' }).click();
    await expectCounts({ compliant: '0', inGrace: '3', blockedNow: '0', exempt: '0', notInScope: '2' });
    expect(await page.locator('.weeks li').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.weeks .week-count').allTextContents()).toContainEqual(expect.stringContaining('3'));
    await page.getByLabel('LAN addresses (optional)').fill('192.168.1.0/24');
    await page.screenshot({ path: shot('admin-policies-new'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('admin-policies-new-phone') });
    await page.evaluate(() => document.querySelector('.preview')?.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: shot('admin-policies-preview-phone') });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText('Family must use MFA is saved.').waitFor();
    const row = page.locator('tbody tr', { hasText: 'Family must use MFA' });
    await row.getByText('Group: Family').waitFor();
    await row.getByText('Disabled').waitFor();

    // Edit: the form comes back filled in; a longer grace period is saved.
    await row.getByRole('link', { name: /Edit/ }).click();
    await page.getByRole('heading', { name: 'Edit policy' }).waitFor();
    // The heading shows before the policy has loaded into the form: wait for the form, not the heading.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('input')).some((i) => i.value === 'Family must use MFA'));
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Family must use MFA');
    expect(await page.getByRole('checkbox', { name: /Family/ }).isChecked()).toBe(true);
    await page.getByLabel('Grace period (days)').fill('21');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Family must use MFA is saved.').waitFor();
    await row.getByText('21 days').waitFor();

    await row.getByRole('button', { name: /Enable/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('21 days').waitFor();
    await dialog.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Enabled').waitFor();
    await row.getByText(/since \d+ \w+ \d{4}/).waitFor();
    await page.screenshot({ path: shot('admin-policies-list'), fullPage: true });

    const policies = await api<{ items: { name: string; enabled: boolean; groups: string[]; bypassCidrs: string[] }[] }>('/policies');
    expect(policies.items).toHaveLength(1);
    expect(policies.items[0]).toMatchObject({ name: 'Family must use MFA', enabled: true, bypassCidrs: ['192.168.1.0/24'] });
    expect(policies.items[0].groups).toHaveLength(1);
  });

  it('excuses a member from the policy, with a reason', async () => {
    await page.getByRole('link', { name: 'Exemptions' }).click();
    await page.getByRole('heading', { name: 'Exemptions' }).waitFor();
    await page.getByText('Nobody is excused').waitFor();
    await page.getByRole('button', { name: 'Excuse a member' }).click();

    // A reason is required.
    await page.getByRole('button', { name: 'Excuse member' }).click();
    await page.getByText('Search for the member and choose them.').waitFor();
    await page.getByText('Say why this member is excused').waitFor();

    await page.getByLabel('Member', { exact: true }).fill('grand');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Choose grandma' }).click();
    await page.getByLabel('Policy', { exact: true }).selectOption({ label: 'Family must use MFA' });
    await page.getByLabel('Reason').fill('Her TV cannot show a code; revisit at Christmas.');
    await page.screenshot({ path: shot('admin-policies-excuse'), fullPage: true });
    await page.getByRole('button', { name: 'Excuse member' }).click();

    await page.getByText('grandma is excused from Family must use MFA.').waitFor();
    const row = page.locator('tbody tr', { hasText: 'grandma' });
    await row.getByText('Family must use MFA').waitFor();
    await row.getByText('Never').waitFor();
    await page.screenshot({ path: shot('admin-policies-exemptions'), fullPage: true });

    // Stored for that policy only, with the reason and no end.
    const [policy] = (await api<{ items: { id: string }[] }>('/policies')).items;
    const members = await api<{ items: { id: string; username: string }[] }>('/members?q=grandma');
    const exemptions = await api<{ items: unknown[] }>('/exemptions');
    expect(exemptions.items).toEqual([
      expect.objectContaining({
        memberId: members.items[0]?.id,
        policyId: policy?.id,
        reason: 'Her TV cannot show a code; revisit at Christmas.',
        expiresAt: null,
        active: true,
      }),
    ]);
  });

  async function expectCounts(expected: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(expected)) {
      await count(name).filter({ hasText: new RegExp(`^\\s*${value}\\s*$`) }).waitFor();
    }
  }

  /** Reads (or previews) with the owner's API session from setup. */
  async function api<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${svc.base}/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
});
