import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { launchChromium, shot } from './browser';
import { pushDirectory } from './admin-policies-directory';
import { OWNER } from './member-portal';
import { registerServer, setUpOwner, type OwnerSession } from './owner';
import { RunningService, startService } from './service';

/** The current code of an authenticator app, from Debian's oathtool (an implementation independent of ours). */
const oathtool = (secret: string) => execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();

/**
 * The admin team and the members pages in real Chromium: the owner invites a viewer, who accepts the link,
 * sets up an authenticator app and cannot change a policy; the owner opens a member, revokes a device and,
 * after the re-authentication window has passed, resets the member's MFA through the re-auth dialog.
 * Screenshots land in tmp/e2e-screenshots/admin-team-*.png (desktop and phone widths).
 */
describe('admin console: admins and members in Chromium', () => {
  let svc: RunningService;
  let browser: Browser;
  let owner: OwnerSession;
  let apiKey: string;
  let recoveryCodes: string[];
  let ownerContext: BrowserContext;
  let page: Page;
  let inviteUrl = '';
  const errors: string[] = [];

  const watch = (p: Page) => {
    p.setDefaultTimeout(15_000);
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      // A refused request is logged by the browser; the 403 that opens the re-auth dialog is expected.
      if (m.type() === 'error' && !/status of 403/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
  };

  beforeAll(async () => {
    svc = await startService();
    owner = await setUpOwner(svc);
    apiKey = await registerServer(svc, owner);
    await pushDirectory(svc, apiKey);
    await api('POST', '/policies', { name: 'Everyone uses MFA', gracePeriodDays: 14, enabled: true });
    const friends = (await api<{ items: { id: string; name: string }[] }>('GET', '/groups')).items.find((g) => g.name === 'Friends');
    await api('POST', '/policies', { name: 'Friends use passkeys', groups: [friends?.id], accepted: 'phishing_resistant', gracePeriodDays: 0, enabled: true });
    recoveryCodes = (await api<{ codes: string[] }>('POST', '/admin/mfa/recovery-codes', {})).codes;
    await grandmaOnATv();
    const kid = (await api<{ items: { id: string }[] }>('GET', '/members?q=kid')).items[0];
    await api('POST', '/exemptions', { memberId: kid?.id, reason: 'Too young for a phone' });
    browser = await launchChromium();
    ownerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await ownerContext.newPage();
    watch(page);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });
  afterEach(() => {
    expect(errors).toEqual([]);
    errors.length = 0;
  });

  it('the owner signs in and invites a viewer; the link is shown once', async () => {
    await page.goto(`${svc.base}/admin/login`);
    await page.getByLabel('Email address').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    // Setup spent the current time step, and a step counts once: the next one is within the window.
    await page.getByLabel('Code from your authenticator app').fill(new TOTP({ secret: Secret.fromBase32(owner.totpSecret) }).generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    await page.getByRole('link', { name: 'Admins' }).click();
    await page.getByRole('heading', { name: 'Admins', exact: true }).waitFor();
    await page.getByLabel('E-mail address').fill('vic@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = page.locator('.secret-value');
    await link.waitFor();
    inviteUrl = (await link.textContent())?.trim() ?? '';
    expect(inviteUrl).toMatch(/^http:\/\/localhost:\d+\/admin\/invite#token=[\w-]{43}$/);
    await page.getByRole('region', { name: 'Pending invitations' }).getByText('vic@example.com', { exact: true }).waitFor();
    await screens(page, 'admin-team-admins');
    await page.getByRole('button', { name: 'Done' }).click();
    await link.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(inviteUrl);
  });

  it('the viewer accepts, sets up an authenticator app and cannot change a policy', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const viewer = await context.newPage();
    watch(viewer);
    await viewer.goto(inviteUrl);
    await viewer.getByRole('heading', { name: 'Join the admins' }).waitFor();
    expect(viewer.url()).not.toContain('token=');
    await viewer.getByLabel('Display name').fill('Vic Viewer');
    await viewer.getByLabel('Password', { exact: true }).fill('viewer password, long enough');
    await viewer.getByLabel('Confirm password').fill('viewer password, long enough');
    await viewer.screenshot({ path: shot('admin-team-accept-phone'), fullPage: true });
    await viewer.getByRole('button', { name: 'Create my account' }).click();

    await viewer.getByRole('heading', { name: 'Protect your account' }).waitFor();
    await viewer.getByRole('button', { name: /Use an authenticator app/ }).click();
    const secret = (await viewer.getByTestId('totp-secret').textContent())?.trim() ?? '';
    await viewer.getByLabel('Code from the app').fill(oathtool(secret));
    await viewer.getByRole('button', { name: 'Confirm' }).click();
    await viewer.getByRole('heading', { name: 'Overview' }).waitFor();

    await viewer.goto(`${svc.base}/admin/policies`);
    await viewer.getByText('Everyone uses MFA').waitFor();
    expect(await viewer.getByRole('link', { name: 'New policy' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Disable/ }).count()).toBe(0);
    // And the API refuses the viewer's change, whatever the page offers.
    const refused = await viewer.evaluate(async () => {
      const session = await (await fetch('/api/v1/admin/session')).json();
      const policies = await (await fetch('/api/v1/policies')).json();
      const res = await fetch(`/api/v1/policies/${policies.items[0].id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify({ gracePeriodDays: 0 }) });
      return { status: res.status, code: (await res.json()).error.code, role: session.admin.role };
    });
    expect(refused).toEqual({ status: 403, code: 'forbidden', role: 'viewer' });
    await context.close();

    const team = await api<{ admins: { email: string; role: string; secondFactor: boolean }[]; invites: unknown[] }>('GET', '/admins');
    expect(team.admins).toContainEqual(expect.objectContaining({ email: 'vic@example.com', role: 'viewer', secondFactor: true }));
    expect(team.invites).toEqual([]);
  });

  it('the owner finds a member, revokes their TV, and resets their MFA after confirming it is them again', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    const grandma = page.locator('tbody tr', { hasText: 'grandma' });
    await grandma.getByText('Compliant').waitFor();
    await page.locator('tbody tr', { hasText: 'pal' }).getByText('Overdue').waitFor();
    await page.locator('tbody tr', { hasText: 'kid' }).getByText('Exempt').waitFor();
    await page.getByLabel('Select dad').check();
    await page.getByLabel('Select kid').check();
    await screens(page, 'admin-team-members');
    await page.getByLabel('Select dad').uncheck();
    await page.getByLabel('Select kid').uncheck();
    await page.getByLabel('Status').selectOption('overdue');
    await page.locator('tbody tr').filter({ hasText: 'neighbour' }).waitFor();
    // The old rows stay until the filtered page arrives: wait for it rather than count straight away.
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();

    await grandma.getByRole('link', { name: 'grandma' }).click();
    await page.getByRole('heading', { name: 'grandma' }).waitFor();
    await page.getByRole('button', { name: 'Revoke Living room TV' }).waitFor();
    await screens(page, 'admin-team-member');

    await page.getByRole('button', { name: 'Revoke Living room TV' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke device' }).click();
    await page.getByText('must verify again at its next sign-in').waitFor();
    await page.getByText('No remembered or paired devices.').waitFor();

    // The e2e service cannot fake time: age this session's second-factor check in its database instead.
    const db = new Database(path.join(svc.dataDir, 'latchkey.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE admin_sessions SET mfa_verified_at = mfa_verified_at - 3600000 WHERE revoked_at IS NULL').run();
    db.close();

    await page.getByRole('button', { name: 'Reset MFA…' }).click();
    await page.getByRole('dialog', { name: 'Reset MFA?' }).getByRole('button', { name: 'Reset MFA' }).click();
    const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
    await reauth.getByLabel('Code from your authenticator app').waitFor();
    await expect(reauth.getByLabel('Code from your authenticator app').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await screens(page, 'admin-team-reauth', false);
    await reauth.getByRole('button', { name: 'Use a recovery code' }).click();
    await reauth.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await reauth.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText(/MFA reset: 2 sign-in method\(s\) removed/).waitFor();
    await page.getByText('None set up yet.').waitFor();
    await page.screenshot({ path: shot('admin-team-member-reset'), fullPage: true });

    const id = (await api<{ items: { id: string }[] }>('GET', '/members?q=grandma')).items[0]?.id;
    const detail = await api<{ status: string; factors: unknown[] }>('GET', `/members/${id}`);
    expect(detail).toMatchObject({ status: 'in_grace', factors: [] });
  });

  /** Desktop and phone screenshots of the current page (of the viewport, for a modal); on the phone nothing may overflow sideways. */
  async function screens(p: Page, name: string, fullPage = true): Promise<void> {
    await p.screenshot({ path: shot(name), fullPage });
    const size = p.viewportSize();
    await p.setViewportSize({ width: 390, height: 844 });
    expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await p.screenshot({ path: shot(`${name}-phone`), fullPage });
    if (size) await p.setViewportSize(size);
  }

  /** Grandma sets up an authenticator app and recovery codes, then approves her TV with a code and it is remembered. */
  async function grandmaOnATv(): Promise<void> {
    const asServer = (method: string, url: string, body?: unknown) =>
      fetch(`${svc.base}/api/v1${url}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const portal = async (url: string) => {
      const link = new URL(url).hash.slice(1).split('&').find((x) => x.startsWith('link='))?.slice(5);
      const res = await fetch(`${svc.base}/api/v1/portal/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link }) });
      return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
    };
    const asMember = async (me: { cookie: string; csrf: string }, url: string, body: unknown) => {
      const res = await fetch(`${svc.base}/api/v1${url}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: me.cookie, 'x-csrf-token': me.csrf }, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return { body: (await res.json()) as Record<string, unknown>, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
    };
    const enrol = ((await (await asServer('POST', '/directory/members/u-grandma/links', { purpose: 'enrol' })).json()) as { url: string }).url;
    const me = await portal(enrol);
    const totp = (await asMember(me, '/me/factors/totp', {})).body as { factorId: string; secret: string };
    const confirmed = await asMember(me, `/me/factors/totp/${totp.factorId}/confirm`, { code: oathtool(totp.secret) });
    const verified = { cookie: confirmed.cookie ?? me.cookie, csrf: String(confirmed.body['csrfToken']) };
    const codes = ((await asMember(verified, '/me/factors/recovery-codes', {})).body as { codes: string[] }).codes;

    const login = (await (await asServer('POST', '/logins', { member: { externalId: 'u-grandma' }, device: { id: 'tv-1', name: 'Living room TV' }, client: { name: 'Jellyfin Android TV' } })).json()) as { challenge: { id: string; portalUrl: string } };
    const page = await portal(login.challenge.portalUrl);
    await asMember(page, `/me/challenges/${login.challenge.id}/verify`, { method: 'recovery_code', code: codes[0], remember: true });
    const polled = (await (await asServer('GET', `/challenges/${login.challenge.id}`)).json()) as { status: string };
    if (polled.status !== 'completed') throw new Error(`grandma's TV was not approved: ${JSON.stringify(polled)}`);
  }

  async function api<T = unknown>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(`${svc.base}/api/v1${url}`, {
      method,
      headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
});
