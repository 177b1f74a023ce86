import type { PendingCall } from '../../../testing/fake-api';
import { PortalTest, apiError, factor, self } from '../../../testing/portal-testing';

const QR = 'data:image/svg+xml;base64,PHN2Zy8+';

describe('EnrolPage', () => {
  it('sets up an authenticator app, then shows recovery codes that must be saved', async () => {
    const t = await PortalTest.open('/enrol#link=LINK-TOKEN-123');

    const session = t.http.expectOne('/api/v1/portal/session');
    expect(session.request.method).toBe('POST');
    expect(session.request.body).toEqual({ link: 'LINK-TOKEN-123' });
    session.flush(self());
    await t.settle();

    // The single-use token does not stay in the address bar.
    expect(t.address()).toBe('/enrol');
    expect(t.text).toMatch(/Olive, who runs Family Jellyfin, asks everyone who uses it to turn on two-step verification by .*2026 \(14 days from now\)\./);
    expect(t.text).toContain('a••••@example.com');

    await t.click('Use an authenticator app');
    const start = t.http.expectOne('/api/v1/me/factors/totp');
    expect(start.request.method).toBe('POST');
    expect(start.request.headers.get('X-CSRF-Token')).toBe('csrf-1');
    start.flush({ factorId: 'fac_t', secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', otpauthUri: 'otpauth://totp/x', qrCodeSvg: QR, issuer: 'Family Jellyfin', accountName: 'alice' });
    await t.settle();

    const qr = t.root.querySelector<HTMLImageElement>('img.qr');
    expect(qr?.getAttribute('src')).toBe(QR);
    expect(qr?.alt).toContain('QR code');
    expect(t.text).toContain('JBSW Y3DP EHPK 3PXP JBSW Y3DP');
    const input = t.root.querySelector<HTMLInputElement>('#totp-code')!;
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(t.root.querySelector('label[for="totp-code"]')?.textContent).toContain('Code from the app');

    // A wrong code first: the message is shown and the member can try again.
    await t.enterCode('totp-code', '111 111');
    const wrong = t.http.expectOne('/api/v1/me/factors/totp/fac_t/confirm');
    expect(wrong.request.body).toEqual({ code: '111111' });
    wrong.flush(apiError('verification_failed', 'That did not work. Check the code and try again.'), { status: 400, statusText: 'Bad Request' });
    await t.settle();
    expect(t.root.querySelector('#totp-code-error')?.textContent).toContain('That did not work');
    expect(input.getAttribute('aria-invalid')).toBe('true');

    await t.enterCode('totp-code', '123456');
    const confirm = t.http.expectOne('/api/v1/me/factors/totp/fac_t/confirm');
    expect(confirm.request.headers.get('X-CSRF-Token')).toBe('csrf-1');
    expect(confirm.request.body).toEqual({ code: '123456' });
    // The session is renewed: a new CSRF token that every later call must send.
    confirm.flush(self({ csrfToken: 'csrf-2', recentlyVerified: true, factors: [factor('totp')] }));
    await t.settle();

    const codes: PendingCall = t.http.expectOne('/api/v1/me/factors/recovery-codes');
    expect(codes.request.method).toBe('POST');
    expect(codes.request.headers.get('X-CSRF-Token')).toBe('csrf-2');
    codes.flush({ codes: Array.from({ length: 10 }, (_, i) => `code-${i}-xxxx`), createdAt: '2026-11-24T10:00:00.000Z' });
    await t.settle();

    expect(t.text).toContain('Save your recovery codes');
    expect(t.root.querySelectorAll('ol.codes li')).toHaveLength(10);
    expect(t.text).toContain('code-7-xxxx');
    expect(t.button('Copy codes')).toBeTruthy();
    expect(t.button('Download (.txt)')).toBeTruthy();
    expect(t.button('Print')).toBeTruthy();
    const done = t.button('Done');
    expect(done.disabled).toBe(true);

    const saved = t.root.querySelector<HTMLInputElement>('#codes-saved')!;
    expect(t.root.querySelector('label[for="codes-saved"]')?.textContent).toContain('I have saved these codes');
    saved.click();
    await t.settle();
    expect(done.disabled).toBe(false);

    await t.click('Done');
    expect(t.text).toContain("You're set.");
    expect(t.text).toContain("Next time you sign in to Family Jellyfin, you'll confirm with a code from your authenticator app.");
    t.http.verify();
  });

  it('says plainly when the link is invalid, expired or used', async () => {
    const t = await PortalTest.open('/enrol#link=OLD-LINK-TOKEN');
    t.http
      .expectOne('/api/v1/portal/session')
      .flush(apiError('link_invalid', 'This link is invalid, expired or already used. Ask your media server for a new one.'), { status: 400, statusText: 'Bad Request' });
    await t.settle();
    expect(t.root.querySelector('[role="alert"]')?.textContent).toContain(
      'This link is invalid, expired or already used. Ask your media server for a new one.',
    );
    expect(t.address()).toBe('/enrol');
    expect(t.root.querySelector('button')).toBeNull();
  });

  it('says when the deadline has passed, and what that means', async () => {
    const late = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    late.http.expectOne('/api/v1/portal/session').flush(self({ requirement: { required: true, deadline: '2026-11-01T12:00:00.000Z', daysLeft: -23, passkeyRequired: false } }));
    await late.settle();
    expect(late.text).toMatch(/turn on two-step verification; the deadline was .*2026, so Family Jellyfin may not let you in until you do\./);
  });

  it('says nothing of a deadline when there is none', async () => {
    const none = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    none.http.expectOne('/api/v1/portal/session').flush(self({ requirement: { required: false, deadline: null, daysLeft: null, passkeyRequired: false } }));
    await none.settle();
    expect(none.text).toContain('asks everyone who uses it to turn on two-step verification.');
  });

  it('shows the methods of a member who is already set up', async () => {
    const t = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    t.http.expectOne('/api/v1/portal/session').flush(self({ factors: [factor('totp'), factor('recovery_codes', { remaining: 7 })] }));
    await t.settle();
    expect(t.text).toContain('Two-step verification is already set up for Family Jellyfin');
    expect(t.text).toContain('Authenticator app');
    expect(t.text).toContain('Recovery codes (7 left)');
  });

  it('hides e-mail codes with a plain note when the server cannot send mail', async () => {
    const t = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    t.http.expectOne('/api/v1/portal/session').flush(self());
    await t.settle();
    await t.click('E-mail me a code');
    t.http
      .expectOne('/api/v1/me/factors/email')
      .flush(apiError('factor_unavailable', 'This sign-in method is not available here.'), { status: 400, statusText: 'Bad Request' });
    await t.settle();
    expect(t.text).toContain('E-mail codes are not available on Family Jellyfin');
    expect(() => t.button('E-mail me a code')).toThrow();
  });

  it('lets a member who is set up add another way after confirming it is them, with the renewed token', async () => {
    const t = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    t.http.expectOne('/api/v1/portal/session').flush(self({ factors: [factor('totp'), factor('recovery_codes')] }));
    await t.settle();

    await t.click('Add another way');
    const stepUp = t.http.expectOne('/api/v1/me/challenges');
    expect(stepUp.request.method).toBe('POST');
    expect(stepUp.request.headers.get('X-CSRF-Token')).toBe('csrf-1');
    stepUp.flush({ id: 'chl_up', purpose: 'step_up', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: '2026-11-24T10:10:00.000Z' });
    await t.settle();
    expect(t.text).toContain('First, confirm it is you');

    await t.enterCode('totp-code', '123456');
    const verify = t.http.expectOne('/api/v1/me/challenges/chl_up/verify');
    expect(verify.request.body).toEqual({ method: 'totp', code: '123456' });
    verify.flush({ status: 'completed', challengeId: 'chl_up', csrfToken: 'csrf-3' });
    await t.settle();

    await t.click('Use an authenticator app');
    expect(t.http.expectOne('/api/v1/me/factors/totp').request.headers.get('X-CSRF-Token')).toBe('csrf-3');
  });

  it('sends e-mail codes to an address the member types, and confirms it', async () => {
    const t = await PortalTest.open('/enrol#link=LINK-TOKEN-123');
    t.http.expectOne('/api/v1/portal/session').flush(self());
    await t.settle();
    await t.click('Use another address');
    const email = t.root.querySelector<HTMLInputElement>('#enrol-email')!;
    expect(t.root.querySelector('label[for="enrol-email"]')?.textContent).toContain('Your e-mail address');
    email.value = 'not-an-address';
    await t.click('E-mail me a code');
    expect(t.root.querySelector('[role="alert"]')?.textContent).toContain('does not look like an e-mail address');
    t.http.expectNone('/api/v1/me/factors/email');

    email.value = 'me@home.example';
    await t.click('E-mail me a code');
    const start = t.http.expectOne('/api/v1/me/factors/email');
    expect(start.request.body).toEqual({ email: 'me@home.example' });
    start.flush({ factorId: 'fac_e', sentTo: 'm••••@home.example', expiresAt: '2026-11-24T10:10:00.000Z' });
    await t.settle();
    expect(t.text).toContain('We sent a code to m••••@home.example');

    await t.enterCode('email-code', '135790');
    const confirm = t.http.expectOne('/api/v1/me/factors/email/fac_e/confirm');
    expect(confirm.request.body).toEqual({ code: '135790' });
    confirm.flush(self({ csrfToken: 'csrf-2', factors: [factor('email', { email: 'm••••@home.example' })] }));
    await t.settle();
    t.http.expectOne('/api/v1/me/factors/recovery-codes').flush({ codes: ['a', 'b'], createdAt: '2026-11-24T10:00:00.000Z' });
    await t.settle();
    expect(t.text).toContain('Save your recovery codes');
  });
});
