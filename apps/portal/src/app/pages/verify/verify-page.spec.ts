import { Location } from '@angular/common';
import { TestBed } from '@angular/core/testing';
import type { Challenge } from '@latchkey/contracts';
import { PortalTest, apiError, self } from '../../../testing/portal-testing';

function challenge(overrides: Partial<Challenge> = {}): Challenge {
  return { id: 'chl_1', purpose: 'login', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: '2026-11-24T10:10:00.000Z', ...overrides };
}

async function opened(c: Challenge): Promise<PortalTest> {
  const t = await PortalTest.open('/verify#link=LINK-TOKEN-123&challenge=chl_1');
  const session = t.http.expectOne('/api/v1/portal/session');
  expect(session.request.body).toEqual({ link: 'LINK-TOKEN-123' });
  session.flush(self());
  await t.settle();
  t.http.expectOne('/api/v1/me/challenges/chl_1').flush(c);
  await t.settle();
  return t;
}

describe('VerifyPage', () => {
  it('confirms a sign-in with a code from the authenticator app', async () => {
    const t = await opened(challenge());
    expect(t.address()).toBe('/verify');
    expect(t.text).toContain('Someone is signing in to Family Jellyfin as Alice');
    expect(t.text).toContain('Olive, who runs Family Jellyfin, asks you to confirm it is you');
    const input = t.root.querySelector<HTMLInputElement>('#totp-code')!;
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(t.button('Use a recovery code')).toBeTruthy();

    await t.enterCode('totp-code', '654321');
    const verify = t.http.expectOne('/api/v1/me/challenges/chl_1/verify');
    expect(verify.request.method).toBe('POST');
    expect(verify.request.headers.get('X-CSRF-Token')).toBe('csrf-1');
    expect(verify.request.body).toEqual({ method: 'totp', code: '654321' });
    verify.flush({ status: 'completed', challengeId: 'chl_1' });
    await t.settle();

    expect(t.text).toContain('Done — you can go back to your TV or app now.');
    t.http.verify();
  });

  it('"Remember this device" is offered on a sign-in and sent with the answer', async () => {
    const t = await opened(challenge());
    const box = t.root.querySelector<HTMLInputElement>('#remember-device')!;
    expect(box.type).toBe('checkbox');
    expect(box.checked).toBe(false);
    expect(t.root.querySelector('label[for="remember-device"]')?.textContent).toContain('Remember this device');
    expect(t.root.querySelector('#remember-device-hint')?.textContent).toContain('Only tick this if it is yours.');
    box.click();
    await t.settle();

    await t.enterCode('totp-code', '654321');
    const verify = t.http.expectOne('/api/v1/me/challenges/chl_1/verify');
    expect(verify.request.body).toEqual({ method: 'totp', code: '654321', remember: true });
    verify.flush({ status: 'completed', challengeId: 'chl_1', csrfToken: 'csrf-2' });
    await t.settle();
    expect(t.text).toContain('The device you are signing in on is remembered: it will not ask again for a while.');
    expect(t.root.querySelector('a[href="/security"]')?.textContent).toContain('My security');
  });

  it('says plainly when the code did not work, and lets the member try again or use a recovery code', async () => {
    const t = await opened(challenge());
    await t.enterCode('totp-code', '000000');
    t.http
      .expectOne('/api/v1/me/challenges/chl_1/verify')
      .flush(apiError('verification_failed', 'That did not work. Check the code and try again, or use another way to verify.'), { status: 400, statusText: 'Bad Request' });
    await t.settle();
    expect(t.root.querySelector('#totp-code-error')?.textContent).toContain('That did not work. Check the code and try again');
    expect(t.root.querySelector<HTMLInputElement>('#totp-code')!.value).toBe('');
    expect(t.text).not.toContain('Done');

    await t.click('Use a recovery code');
    const recovery = t.root.querySelector<HTMLInputElement>('#recovery_code-code')!;
    expect(recovery.getAttribute('autocomplete')).toBe('one-time-code');
    await t.enterCode('recovery_code-code', 'abcd-efgh-ijkl');
    const verify = t.http.expectOne('/api/v1/me/challenges/chl_1/verify');
    expect(verify.request.body).toEqual({ method: 'recovery_code', code: 'abcd-efgh-ijkl' });
    verify.flush({ status: 'completed', challengeId: 'chl_1' });
    await t.settle();
    expect(t.text).toContain('Done — you can go back to your TV or app now.');
  });

  it('names the server owner when Latchkey does not know the owner’s name', async () => {
    const t = await PortalTest.open('/verify#link=LINK-TOKEN-123&challenge=chl_1');
    t.http.expectOne('/api/v1/portal/session').flush(self({ server: { name: 'Family Jellyfin', ownerName: null } }));
    await t.settle();
    t.http.expectOne('/api/v1/me/challenges/chl_1').flush(challenge());
    await t.settle();
    expect(t.text).toContain('The owner of Family Jellyfin asks you to confirm it is you');
  });

  it('after verifying, offers the way back to the web client the sign-in came from', async () => {
    const t = await opened(challenge({ returnUrl: 'https://media.example.com/web/index.html#!/home.html' }));
    await t.enterCode('totp-code', '654321');
    t.http.expectOne('/api/v1/me/challenges/chl_1/verify').flush({ status: 'completed', challengeId: 'chl_1' });
    await t.settle();
    const back = t.root.querySelector<HTMLAnchorElement>('#return-link')!;
    expect(back.textContent?.trim()).toBe('Back to Family Jellyfin');
    expect(back.getAttribute('href')).toBe('https://media.example.com/web/index.html#!/home.html');
    expect(t.text).not.toContain('go back to your TV');
  });

  it('open redirect: a return URL in the link itself is ignored; only the API’s counts, and only http(s)', async () => {
    const t = await PortalTest.open('/verify#link=LINK-TOKEN-123&challenge=chl_1&returnUrl=https%3A%2F%2Fevil.example%2F');
    t.http.expectOne('/api/v1/portal/session').flush(self());
    await t.settle();
    t.http.expectOne('/api/v1/me/challenges/chl_1').flush(challenge({ returnUrl: 'javascript:alert(document.cookie)' }));
    await t.settle();
    await t.enterCode('totp-code', '654321');
    t.http.expectOne('/api/v1/me/challenges/chl_1/verify').flush({ status: 'completed', challengeId: 'chl_1' });
    await t.settle();
    expect(t.root.querySelector('#return-link')).toBeNull();
    expect(t.root.innerHTML).not.toContain('evil.example');
    expect(t.root.innerHTML).not.toContain('javascript:');
    expect(t.text).toContain('Done — you can go back to your TV or app now.');
  });

  it('after several wrong codes, says that Latchkey may have stopped taking codes for a while, and what to do', async () => {
    const t = await opened(challenge());
    for (let i = 1; i <= 3; i++) {
      expect(t.root.querySelector('#many-tries')).toBeNull();
      await t.enterCode('totp-code', '000000');
      t.http
        .expectOne('/api/v1/me/challenges/chl_1/verify')
        .flush(apiError('verification_failed', 'That did not work. Check the code and try again, or use another way to verify.'), { status: 400, statusText: 'Bad Request' });
      await t.settle();
    }
    const hint = t.root.querySelector('#many-tries')!;
    expect(hint.getAttribute('role')).toBe('alert');
    expect(hint.textContent).toContain('Latchkey stops taking codes for a while to keep your account safe');
    expect(hint.textContent).toContain('sign in to Family Jellyfin again to start over');
  });

  it('explains an expired request', async () => {
    const t = await opened(challenge({ status: 'expired' }));
    expect(t.text).toContain('This request has expired.');
    expect(t.text).toContain('Sign in to Family Jellyfin again');
    expect(t.root.querySelector('#totp-code')).toBeNull();
  });

  it('says when the sign-in was already confirmed', async () => {
    const t = await opened(challenge({ status: 'completed' }));
    expect(t.text).toContain('This sign-in is already confirmed.');
  });

  it('sends an e-mail code and takes it', async () => {
    const t = await opened(challenge({ methods: ['email'] }));
    await t.click('E-mail me a code');
    t.http.expectOne('/api/v1/me/challenges/chl_1/email').flush({ sentTo: 'a***@example.com', expiresAt: '2026-11-24T10:10:00.000Z' });
    await t.settle();
    expect(t.text).toContain('We sent a code to a***@example.com');
    await t.enterCode('email-code', '246810');
    expect(t.http.expectOne('/api/v1/me/challenges/chl_1/verify').request.body).toEqual({ method: 'email', code: '246810' });
  });

  it('says plainly when the link does not work', async () => {
    const t = await PortalTest.open('/verify#link=OLD&challenge=chl_1');
    t.http
      .expectOne('/api/v1/portal/session')
      .flush(apiError('link_invalid', 'This link is invalid, expired or already used. Ask your media server for a new one.'), { status: 400, statusText: 'Bad Request' });
    await t.settle();
    expect(t.root.querySelector('[role="alert"]')?.textContent).toContain('This link is invalid, expired or already used.');
  });
});

describe('VerifyPage after a reload', () => {
  it('carries on with the session and the challenge kept in the history entry, never the link', async () => {
    await opened(challenge());
    const state = TestBed.inject(Location).getState() as { latchkey?: Record<string, string> };
    expect(state.latchkey).toEqual({ challenge: 'chl_1' });
    expect(JSON.stringify(state)).not.toContain('LINK-TOKEN-123');
  });
});
