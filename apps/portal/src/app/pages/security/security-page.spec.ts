import type { MemberSecurity, MemberSelf } from '@latchkey/contracts';
import { PortalTest, apiError, factor, self } from '../../../testing/portal-testing';
import { passkeyLabel } from './security-page';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function security(overrides: Partial<MemberSecurity> = {}): MemberSecurity {
  return {
    devices: [
      {
        id: 'dev_tv',
        kind: 'paired',
        deviceName: 'Living room TV',
        client: 'Jellyfin Android TV 10.11',
        serverName: 'Family Jellyfin',
        createdAt: ago(3 * 86_400_000),
        verifiedAt: ago(3 * 86_400_000),
        lastUsedAt: ago(2 * MINUTE),
        lastIp: '192.168.1.20',
        expiresAt: null,
      },
      {
        id: 'dev_ff',
        kind: 'remembered',
        deviceName: 'Firefox on laptop',
        client: 'Jellyfin Web 10.11',
        serverName: 'Family Jellyfin',
        createdAt: ago(86_400_000),
        verifiedAt: ago(86_400_000),
        lastUsedAt: null,
        lastIp: null,
        expiresAt: ago(-29 * 86_400_000),
      },
    ],
    appPasswords: [{ id: 'ap_1', name: 'Infuse on the iPad', prefix: 'lkap_Ab', createdAt: ago(86_400_000), lastUsedAt: ago(3 * 3_600_000), lastIp: '10.0.0.5' }],
    recentSignIns: [{ at: ago(2 * MINUTE), outcome: 'challenge', deviceName: 'Living room TV', client: 'Jellyfin Android TV 10.11', ip: '192.168.1.20' }],
    emergency: false,
    ...overrides,
  };
}

const enrolled = (overrides: Partial<MemberSelf> = {}) =>
  self({ factors: [factor('totp', { lastUsedAt: ago(2 * MINUTE) }), factor('recovery_codes', { remaining: 7 })], ...overrides });

/** Opened from a "manage" link the media server minted. */
async function opened(me: MemberSelf = enrolled(), sec: MemberSecurity = security()): Promise<PortalTest> {
  const t = await PortalTest.open('/security#link=MANAGE-LINK-1');
  const session = t.http.expectOne('/api/v1/portal/session');
  expect(session.request.body).toEqual({ link: 'MANAGE-LINK-1' });
  session.flush(me);
  await t.settle();
  t.http.expectOne('/api/v1/me/security').flush(sec);
  await t.settle();
  return t;
}

/** After a change the page reads the member and their devices again. */
async function refreshed(t: PortalTest, me: MemberSelf = enrolled(), sec: MemberSecurity = security()): Promise<void> {
  t.http.expectOne('/api/v1/me').flush(me);
  t.http.expectOne('/api/v1/me/security').flush(sec);
  await t.settle();
}

/** The action button of the "are you sure?" box on screen. */
function confirmButton(t: PortalTest): HTMLButtonElement {
  const b = t.root.querySelector<HTMLButtonElement>('app-confirm-box .confirm-actions .btn');
  if (!b) throw new Error(`no confirm box in: ${t.text}`);
  return b;
}

const section = (t: PortalTest, headingId: string) => t.root.querySelector(`section[aria-labelledby="${headingId}"]`)!;

describe('SecurityPage', () => {
  it('opens from a manage link and shows, in plain words, the ways to confirm, devices, app passwords and sign-ins', async () => {
    const t = await opened();
    expect(t.address()).toBe('/security');
    expect(t.root.querySelector('h1')?.textContent).toContain('My security');
    expect(t.text).toContain('Hello Alice. Olive, who runs Family Jellyfin, asks everyone who uses it to confirm it is them with a second step');

    const factors = section(t, 'factors-heading').textContent!.replace(/\s+/g, ' ');
    expect(factors).toContain('Authenticator app');
    expect(factors).toContain('last used 2 minutes ago');
    expect(factors).toContain('Recovery codes');
    expect(factors).toContain('7 left');

    const devices = section(t, 'devices-heading').textContent!.replace(/\s+/g, ' ');
    expect(devices).toContain('Living room TV Paired');
    expect(devices).toContain('Last signed in 2 minutes ago from 192.168.1.20 · until you forget it');
    expect(devices).toContain('Firefox on laptop Remembered');
    expect(devices).toContain('remembered until');

    const apps = section(t, 'app-passwords-heading').textContent!.replace(/\s+/g, ' ');
    expect(apps).toContain('Infuse on the iPad');
    expect(apps).toContain('Starts with lkap_Ab');
    expect(apps).toContain('Last used 3 hours ago from 10.0.0.5');

    expect(section(t, 'sign-ins-heading').textContent).toContain('Asked to confirm it was you');
    expect(t.text).not.toContain('Your phone is marked as lost');
    t.http.verify();
  });

  it('without a link or a session, says where the link comes from', async () => {
    const t = await PortalTest.open('/security');
    t.http.expectOne('/api/v1/me').flush(apiError('unauthenticated', 'Sign in.'), { status: 401 });
    await t.settle();
    expect(t.text).toContain('This page opens from the link your media server gives you.');
  });

  it('a session only good for pairing a TV does not open it either', async () => {
    const t = await PortalTest.open('/security');
    t.http.expectOne('/api/v1/me').flush(apiError('forbidden', 'Not allowed.'), { status: 403 });
    await t.settle();
    expect(t.text).toContain('This page opens from the link your media server gives you.');
  });

  it('forgets a device after asking; Cancel asks nothing of the API', async () => {
    const t = await opened();
    t.root.querySelector<HTMLButtonElement>('#forget-dev_tv')!.click();
    await t.settle();
    expect(t.root.querySelector('app-confirm-box h3')?.textContent).toContain('Forget Living room TV?');
    expect(document.activeElement?.textContent).toContain('Forget Living room TV?');
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('the TV or app shows a new code to approve');
    await t.click('Cancel');
    expect(t.root.querySelector('app-confirm-box')).toBeNull();
    t.http.verify();

    t.root.querySelector<HTMLButtonElement>('#forget-dev_tv')!.click();
    await t.settle();
    confirmButton(t).click();
    await t.settle();
    const forget = t.http.expectOne('/api/v1/me/devices/dev_tv');
    expect(forget.request.method).toBe('DELETE');
    expect(forget.request.headers.get('X-CSRF-Token')).toBe('csrf-1');
    forget.flush(null, { status: 204 });
    await t.settle();
    await refreshed(t, enrolled(), security({ devices: security().devices.slice(1) }));
    expect(t.root.querySelector('#message-devices')?.textContent).toContain('Living room TV is forgotten. Next time it signs in, it will have to be confirmed again.');
    expect(t.root.querySelector('#forget-dev_tv')).toBeNull();
    t.http.verify();
  });

  it('creates an app password after a fresh verification, shows it once with a warning and a copy button', async () => {
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const t = await opened();
    const name = t.root.querySelector<HTMLInputElement>('#app-password-name')!;
    expect(t.root.querySelector('label[for="app-password-name"]')?.textContent).toContain('Name for a new app password');
    name.value = 'Symfonium';
    name.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await t.settle();
    const first = t.http.expectOne('/api/v1/me/app-passwords');
    expect(first.request.body).toEqual({ name: 'Symfonium' });
    first.flush(apiError('verification_required', 'Confirm it is you first.'), { status: 403 });
    await t.settle();

    t.http.expectOne('/api/v1/me/challenges').flush({ id: 'chl_up', purpose: 'step_up', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: ago(-10 * MINUTE) }, { status: 201 });
    await t.settle();
    expect(t.text).toContain('First, confirm it is you');
    expect(t.root.querySelector('#remember-device')).toBeNull();
    await t.enterCode('totp-code', '112233');
    t.http.expectOne('/api/v1/me/challenges/chl_up/verify').flush({ status: 'completed', challengeId: 'chl_up', csrfToken: 'csrf-2' });
    await t.settle();

    // Confirmed: the same request again, with the renewed session's token.
    const again = t.http.expectOne('/api/v1/me/app-passwords');
    expect(again.request.body).toEqual({ name: 'Symfonium' });
    expect(again.request.headers.get('X-CSRF-Token')).toBe('csrf-2');
    again.flush({ id: 'ap_2', name: 'Symfonium', prefix: 'lkap_Xy', createdAt: ago(0), lastUsedAt: null, lastIp: null, password: 'lkap_XyZZY0123456789abcdefghijklmnopq' }, { status: 201 });
    await t.settle();

    expect(t.root.querySelector('h2')?.textContent).toContain('Your app password for “Symfonium”');
    expect(t.text).toContain('Copy it now: it is shown only this once.');
    expect(t.root.querySelector('.app-password')?.textContent).toBe('lkap_XyZZY0123456789abcdefghijklmnopq');
    await t.click('Copy password');
    expect(writeText).toHaveBeenCalledWith('lkap_XyZZY0123456789abcdefghijklmnopq');
    expect(t.text).toContain('Copied. Paste it into the app now.');

    await t.click('I have put it in the app');
    const listed = security({ appPasswords: [...security().appPasswords, { id: 'ap_2', name: 'Symfonium', prefix: 'lkap_Xy', createdAt: ago(0), lastUsedAt: null, lastIp: null }] });
    await refreshed(t, enrolled(), listed);
    expect(t.root.querySelector('#message-app-passwords')?.textContent).toContain('Symfonium is ready to use.');
    expect(section(t, 'app-passwords-heading').textContent).toContain('Not used yet');
    // Shown once: gone from the page.
    expect(t.text).not.toContain('lkap_XyZZY0123456789');
    t.http.verify();
  });

  it('an app password needs a name', async () => {
    const t = await opened();
    t.root.querySelector('form.new-app-password')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await t.settle();
    expect(t.root.querySelector('#message-app-passwords')?.textContent).toContain('Give the app password a name');
    t.http.verify();
  });

  it('revokes an app password after asking', async () => {
    const t = await opened();
    t.root.querySelector<HTMLButtonElement>('#revoke-ap_1')!.click();
    await t.settle();
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('Revoke “Infuse on the iPad”?');
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('This cannot be undone.');
    confirmButton(t).click();
    await t.settle();
    const revoke = t.http.expectOne('/api/v1/me/app-passwords/ap_1');
    expect(revoke.request.method).toBe('DELETE');
    revoke.flush(null, { status: 204 });
    await t.settle();
    await refreshed(t, enrolled(), security({ appPasswords: [] }));
    expect(t.root.querySelector('#message-app-passwords')?.textContent).toContain('Infuse on the iPad is revoked.');
  });

  it('signs out everywhere after asking', async () => {
    const t = await opened();
    t.root.querySelector<HTMLButtonElement>('#sign-out-everywhere')!.click();
    await t.settle();
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('Every remembered or paired device (2 now) will have to confirm it is you again.');
    confirmButton(t).click();
    await t.settle();
    t.http.expectOne('/api/v1/me/sign-out-everywhere').flush({ devices: 2, appPasswords: 0, sessions: 1 });
    await t.settle();
    await refreshed(t, enrolled(), security({ devices: [] }));
    expect(t.root.querySelector('#message-everywhere')?.textContent).toContain('You are signed out everywhere: 2 devices forgotten.');
    expect(section(t, 'devices-heading').textContent).toContain('None right now');
  });

  it('"I lost my phone" says exactly what will happen, then that only a recovery code or an e-mail code works', async () => {
    const t = await opened();
    t.root.querySelector<HTMLButtonElement>('#lost-phone')!.click();
    await t.settle();
    const box = t.root.querySelector('app-confirm-box')!.textContent!.replace(/\s+/g, ' ');
    expect(box).toContain('Lock out your lost phone?');
    expect(box).toContain('Every remembered browser and paired TV or app is forgotten (2 now).');
    expect(box).toContain('Every app password stops working (1 now).');
    expect(box).toContain('Your authenticator app and passkeys stop working until you confirm it is you once with a recovery code or a code by e-mail');
    expect(box).not.toContain('You have no recovery codes left');
    expect(confirmButton(t).textContent).toContain('Yes, I lost my phone');
    confirmButton(t).click();
    await t.settle();
    t.http.expectOne('/api/v1/me/lost-phone').flush({ devices: 2, appPasswords: 1, sessions: 0 });
    await t.settle();
    await refreshed(t, enrolled(), security({ devices: [], appPasswords: [], emergency: true }));
    expect(t.root.querySelector('[role="alert"] h2')?.textContent).toContain('Your phone is marked as lost');
    expect(t.text).toContain('Until you confirm it is you with a recovery code or a code by e-mail, nothing else works');
    expect(t.root.querySelector('#message-everywhere')?.textContent).toContain('Only a recovery code or a code by e-mail will work now.');
  });

  it('warns before "I lost my phone" when nothing would let the member back in', async () => {
    const t = await opened(self({ factors: [factor('totp'), factor('recovery_codes', { remaining: 0 })] }));
    t.root.querySelector<HTMLButtonElement>('#lost-phone')!.click();
    await t.settle();
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('You have no recovery codes left and no e-mail codes.');
    expect(t.text).toContain('You have no recovery codes left.');
  });

  it('makes new recovery codes after asking, and shows them once', async () => {
    const t = await opened(enrolled({ recentlyVerified: true }));
    t.root.querySelector<HTMLButtonElement>('#regenerate-codes')!.click();
    await t.settle();
    expect(t.root.querySelector('app-confirm-box')?.textContent).toContain('Your current codes stop working at once.');
    confirmButton(t).click();
    await t.settle();
    const make = t.http.expectOne('/api/v1/me/factors/recovery-codes');
    expect(make.request.method).toBe('POST');
    make.flush({ codes: Array.from({ length: 10 }, (_, i) => `new-${i}-code`), createdAt: ago(0) }, { status: 201 });
    await t.settle();
    expect(t.text).toContain('Your new recovery codes');
    expect(t.root.querySelectorAll('ol.codes li')).toHaveLength(10);
    t.root.querySelector<HTMLInputElement>('#codes-saved')!.click();
    await t.settle();
    await t.click('Done');
    await refreshed(t, enrolled({ factors: [factor('totp'), factor('recovery_codes', { remaining: 10 })] }));
    expect(t.root.querySelector('#message-factors')?.textContent).toContain('Your new recovery codes are ready. The old ones no longer work.');
    expect(t.text).toContain('10 left');
  });

  it('moves the authenticator app to a new phone', async () => {
    const t = await opened(enrolled({ recentlyVerified: true }));
    await t.click('Move to a new phone');
    t.http.expectOne('/api/v1/me/factors/totp').flush({ factorId: 'fac_new', secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/x', qrCodeSvg: 'data:image/svg+xml;base64,PHN2Zy8+', issuer: 'Family Jellyfin', accountName: 'alice' }, { status: 201 });
    await t.settle();
    expect(t.root.querySelector('h2')?.textContent).toContain('Move your authenticator app to a new phone');
    expect(t.text).toContain('the old app stops working');
    expect(t.text).toContain('JBSW Y3DP EHPK 3PXP');
    await t.enterCode('totp-code', '445566');
    const confirm = t.http.expectOne('/api/v1/me/factors/totp/fac_new/confirm');
    expect(confirm.request.body).toEqual({ code: '445566' });
    confirm.flush(enrolled({ csrfToken: 'csrf-3' }));
    await t.settle();
    await refreshed(t);
    expect(t.root.querySelector('#message-factors')?.textContent).toContain('Your authenticator app is set up on the new phone. The old one no longer works.');
  });

  it('removing the only way to confirm says what that means', async () => {
    const t = await opened(self({ factors: [factor('totp')] }));
    t.root.querySelector<HTMLButtonElement>('#remove-fac_totp')!.click();
    await t.settle();
    const box = t.root.querySelector('app-confirm-box')!.textContent!;
    expect(box).toContain('Remove Authenticator app?');
    expect(box).toContain('It is your only way to confirm.');
    expect(box).toContain('The owner of Family Jellyfin requires two-step verification');
    confirmButton(t).click();
    await t.settle();
    expect(t.http.expectOne('/api/v1/me/factors/fac_totp').request.method).toBe('DELETE');
  });

  it('a refused change is explained where the member acted', async () => {
    const t = await opened();
    t.root.querySelector<HTMLButtonElement>('#forget-dev_ff')!.click();
    await t.settle();
    confirmButton(t).click();
    await t.settle();
    t.http.expectOne('/api/v1/me/devices/dev_ff').flush(apiError('device_not_found', 'No such device.'), { status: 404 });
    await t.settle();
    const message = t.root.querySelector('#message-devices')!;
    expect(message.getAttribute('role')).toBe('alert');
    expect(message.textContent).toContain('No such device.');
  });
});

describe('passkeyLabel', () => {
  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)', 'iPhone'],
    ['Mozilla/5.0 (Linux; Android 15; Pixel 9)', 'Android phone'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 'Mac'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Windows computer'],
    ['curl/8', undefined],
  ])('%s → %s', (ua, label) => {
    expect(passkeyLabel(ua)).toBe(label);
  });
});
