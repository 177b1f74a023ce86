import { TestBed } from '@angular/core/testing';
import type { ForwardAuthSignInInfo } from '@latchkey/contracts';
import { PortalTest, apiError } from '../../../testing/portal-testing';
import { LEAVE_FOR } from './sign-in-page';

const RD = 'https://media.example.com/web/index.html';
const INFO: ForwardAuthSignInInfo = { server: { name: 'Family Jellyfin', kind: 'jellyfin' }, password: true, returnTo: RD };

async function opened(info: ForwardAuthSignInInfo = INFO): Promise<{ t: PortalTest; left: string[] }> {
  const left: string[] = [];
  TestBed.overrideProvider(LEAVE_FOR, { useValue: (url: string) => left.push(url) });
  const t = await PortalTest.open(`/sign-in?rd=${encodeURIComponent(RD)}`);
  t.http.expectOne(`/api/v1/forward-auth/sign-in?rd=${encodeURIComponent(RD)}`).flush(info);
  await t.settle();
  return { t, left };
}

async function submitPassword(t: PortalTest, username: string, password: string): Promise<void> {
  const user = t.root.querySelector<HTMLInputElement>('#sign-in-username')!;
  const pass = t.root.querySelector<HTMLInputElement>('#sign-in-password')!;
  user.value = username;
  user.dispatchEvent(new Event('input'));
  pass.value = password;
  pass.dispatchEvent(new Event('input'));
  user.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
  await t.settle();
}

describe('SignInPage (forward-auth)', () => {
  it('signs in with the media-server password and a code, then goes back to the page', async () => {
    const { t, left } = await opened();
    expect(t.root.querySelector('h1')?.textContent).toContain('Sign in');
    expect(t.text).toContain('The owner of Family Jellyfin asks everyone to sign in here first');
    expect(t.root.querySelector('#sign-in-username')?.getAttribute('autocomplete')).toBe('username');
    expect(t.root.querySelector('#sign-in-password')?.getAttribute('autocomplete')).toBe('current-password');

    await submitPassword(t, 'alice', 'pw');
    const password = t.http.expectOne('/api/v1/forward-auth/sign-in/password');
    expect(password.request.body).toEqual({ rd: RD, username: 'alice', password: 'pw' });
    password.flush({ csrfToken: 'csrf-9', challenge: { id: 'chl_1', purpose: 'step_up', status: 'pending', methods: ['totp'], expiresAt: '2026-11-24T10:10:00.000Z' } });
    await t.settle();
    expect(t.text).toContain('Confirm it is you');

    await t.enterCode('totp-code', '123456');
    const verify = t.http.expectOne('/api/v1/me/challenges/chl_1/verify');
    expect(verify.request.headers.get('X-CSRF-Token')).toBe('csrf-9');
    verify.flush({ status: 'completed', challengeId: 'chl_1', csrfToken: 'csrf-10' });
    await t.settle();
    const complete = t.http.expectOne('/api/v1/forward-auth/sign-in/complete');
    expect(complete.request.headers.get('X-CSRF-Token')).toBe('csrf-10');
    expect(complete.request.body).toEqual({ rd: RD });
    complete.flush({ returnTo: RD });
    await t.settle();
    expect(left).toEqual([RD]);
    expect(t.text).toContain('Taking you back to Family Jellyfin');
    t.http.verify();
  });

  it('says when the password is wrong, and clears it', async () => {
    const { t, left } = await opened();
    await submitPassword(t, 'alice', 'nope');
    t.http.expectOne('/api/v1/forward-auth/sign-in/password').flush(apiError('invalid_credentials', 'The user name or password is not correct.'), { status: 401, statusText: 'Unauthorized' });
    await t.settle();
    expect(t.root.querySelector('[role="alert"]')?.textContent).toContain('The user name or password is not correct.');
    expect(t.root.querySelector<HTMLInputElement>('#sign-in-password')!.value).toBe('');
    expect(left).toEqual([]);
  });

  it('asks for a user name before sending anything', async () => {
    const { t } = await opened();
    await submitPassword(t, '  ', 'pw');
    expect(t.root.querySelector('#sign-in-username-error')?.textContent).toContain('Enter your user name.');
    t.http.verify();
  });

  it('offers no password form for a server that cannot check passwords (Plex)', async () => {
    const { t } = await opened({ ...INFO, server: { name: 'Plex', kind: 'plex' }, password: false });
    expect(t.root.querySelector('#sign-in-password')).toBeNull();
  });

  it('explains itself without a page to return to, or with one Latchkey does not protect', async () => {
    const t = await PortalTest.open('/sign-in');
    expect(t.text).toContain('This page opens when you visit your media server');
    t.http.verify();
  });
});
