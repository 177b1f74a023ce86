import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningService } from './service';

/**
 * What every member page must be, checked in the real browser: accessible (axe-core, no serious or critical
 * violations), usable on a 360-px-wide phone without sideways scrolling, talking to nobody but the service; plus
 * screenshots at phone and desktop sizes for people to look at, and the member's side of a few flows.
 */

/** Screenshots for people to look at (not committed). */
export const SCREENS_DIR = path.resolve(__dirname, '../../../tmp-screens');
export const PHONE_360 = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900 };

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Records script errors and every request that leaves the service's origin. */
export function watchPage(page: Page, svc: RunningService, log: { errors: string[]; foreign: string[] }): Page {
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A refused API call (4xx the page handles) shows as "Failed to load resource"; that is not a script error.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) log.errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== svc.base) log.foreign.push(url);
  });
  return page;
}

/** The serious and critical axe-core violations on the page as it is now (WCAG 2.x A and AA, and best practice). */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    // A run that checked nothing would pass anything.
    if (result.passes.length === 0) return [{ id: 'axe-did-not-run', impact: 'critical', help: 'axe-core checked nothing', nodes: [] }];
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** How much wider than 360 px the page is (0 when it fits a 360-px phone). */
export async function overflowAt360(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, (document.scrollingElement?.scrollWidth ?? 0) - 360));
}

/**
 * One step of a flow: asserts it fits 360 px and has no serious accessibility problem, then screenshots it at
 * the phone's size and at desktop size (and back to the phone).
 */
export async function checkStep(page: Page, name: string): Promise<void> {
  await expect(overflowAt360(page)).resolves.toBe(0);
  await expect(seriousViolations(page)).resolves.toEqual([]);
  fs.mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS_DIR, `${name}-360.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(SCREENS_DIR, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE_360.viewport);
}

/**
 * Codes from the member's authenticator app, computed by Debian's `oathtool`. The service takes each time step
 * once and only later ones after it, within ±1 step of now: each code is for the next step not used yet.
 */
export class AuthenticatorApp {
  private lastStep = 0;
  constructor(readonly secret: string) {}

  code(): string {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, this.lastStep + 1);
    if (step > now + 1) throw new Error('no unused time step is accepted yet; use a recovery code for this one');
    this.lastStep = step;
    return execFileSync('oathtool', ['--totp', '-b', '--now', `@${step * 30}`, this.secret], { encoding: 'utf8' }).trim();
  }
}

/** A member's own API session, as the pages have it (cookie + CSRF token). */
async function memberCall(svc: RunningService, me: { cookie: string; csrf: string }, method: string, url: string, body?: unknown) {
  const res = await fetch(`${svc.base}${url}`, {
    method,
    headers: { cookie: me.cookie, 'x-csrf-token': me.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { json, me: { cookie: cookie || me.cookie, csrf: typeof json['csrfToken'] === 'string' ? json['csrfToken'] : me.csrf } };
}

/** The member sets up an authenticator app and recovery codes through the API (their enrolment link's session). */
export async function enrolAuthenticator(svc: RunningService, link: string): Promise<{ app: AuthenticatorApp; recoveryCodes: string[] }> {
  const started = await memberCall(svc, { cookie: '', csrf: '' }, 'POST', '/api/v1/portal/session', { link });
  const begun = await memberCall(svc, started.me, 'POST', '/api/v1/me/factors/totp', {});
  const app = new AuthenticatorApp(String(begun.json['secret']));
  const confirmed = await memberCall(svc, begun.me, 'POST', `/api/v1/me/factors/totp/${String(begun.json['factorId'])}/confirm`, { code: app.code() });
  const codes = await memberCall(svc, confirmed.me, 'POST', '/api/v1/me/factors/recovery-codes', {});
  return { app, recoveryCodes: codes.json['codes'] as string[] };
}
