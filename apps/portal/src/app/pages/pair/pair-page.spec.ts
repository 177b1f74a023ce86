import type { PairingRequest } from '@latchkey/contracts';
import { PortalTest, apiError } from '../../../testing/portal-testing';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function request(overrides: Partial<PairingRequest> = {}): PairingRequest {
  return {
    challengeId: 'chl_tv',
    status: 'pending',
    serverName: 'Family Jellyfin',
    deviceName: 'Living room TV',
    client: 'Jellyfin Android TV 10.11',
    ip: '192.168.1.20',
    location: 'a private network, probably your home or the server’s (192.168.1.20)',
    requestedAt: ago(2 * MINUTE),
    expiresAt: ago(-8 * MINUTE - 30_000),
    ...overrides,
  };
}

async function typeCode(t: PortalTest, value: string): Promise<void> {
  await t.enterCode('user-code', value);
}

/** Code accepted, then the step-up challenge is shown. */
async function started(t: PortalTest): Promise<void> {
  await typeCode(t, 'wdjb mjht');
  const start = t.http.expectOne('/api/v1/pairing');
  expect(start.request.method).toBe('POST');
  expect(start.request.body).toEqual({ userCode: 'WDJB-MJHT' });
  start.flush({ serverName: 'Family Jellyfin', expiresAt: ago(-10 * MINUTE), verificationChallengeId: 'chl_step', csrfToken: 'csrf-p' }, { status: 201 });
  await t.settle();
  t.http.expectOne('/api/v1/me/challenges/chl_step').flush({ id: 'chl_step', purpose: 'step_up', status: 'pending', methods: ['totp', 'recovery_code'], expiresAt: ago(-10 * MINUTE) });
  await t.settle();
}

/** …then a code from the app, and the request is shown. */
async function reviewing(t: PortalTest, shown = request()): Promise<void> {
  await started(t);
  await t.enterCode('totp-code', '123456');
  const verify = t.http.expectOne('/api/v1/me/challenges/chl_step/verify');
  expect(verify.request.headers.get('X-CSRF-Token')).toBe('csrf-p');
  expect(verify.request.body).toEqual({ method: 'totp', code: '123456' });
  verify.flush({ status: 'completed', challengeId: 'chl_step', csrfToken: 'csrf-v' });
  await t.settle();
  t.http.expectOne('/api/v1/me/pairing').flush(shown);
  await t.settle();
}

describe('PairPage', () => {
  it('is labelled and set up for a code typed on a phone', async () => {
    const t = await PortalTest.open('/pair');
    const input = t.root.querySelector<HTMLInputElement>('#user-code')!;
    expect(t.root.querySelector('label[for="user-code"]')?.textContent).toContain('Enter the code shown on your TV');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(input.getAttribute('inputmode')).toBe('text');
    expect(input.getAttribute('autocapitalize')).toBe('characters');
    t.http.verify();
  });

  it('takes a loosely typed code, asks the member to confirm it is them, shows the TV plainly, and approves it', async () => {
    const t = await PortalTest.open('/pair');
    await started(t);
    expect(t.root.querySelector<HTMLInputElement>('#user-code')).toBeNull();
    expect(t.text).toContain('First, confirm it is you');
    expect(t.text).toContain('The code is for a sign-in to Family Jellyfin. The owner of Family Jellyfin asks you to confirm it is you');
    // A step-up is not a sign-in: nothing to remember here.
    expect(t.root.querySelector('#remember-device')).toBeNull();
    // Nothing about the device is shown before the member proved it is them.
    expect(t.text).not.toContain('Living room TV');

    await t.enterCode('totp-code', '123456');
    t.http.expectOne('/api/v1/me/challenges/chl_step/verify').flush({ status: 'completed', challengeId: 'chl_step', csrfToken: 'csrf-v' });
    await t.settle();
    t.http.expectOne('/api/v1/me/pairing').flush(request());
    await t.settle();

    expect(t.text).toContain('Living room TV wants to sign in to Family Jellyfin as you.');
    const rows = [...t.root.querySelectorAll('dl.request div')].map((d) => [d.querySelector('dt')?.textContent?.trim(), d.querySelector('dd')?.textContent?.trim()]);
    expect(rows).toEqual([
      ['Device', 'Living room TV'],
      ['App', 'Jellyfin Android TV 10.11'],
      ['From', 'A private network, probably your home or the server’s (192.168.1.20)'],
      ['Asked', '2 minutes ago'],
      ['For', 'Family Jellyfin'],
    ]);
    expect(t.text).toContain('This request expires in 8 minutes.');

    await t.click('Approve');
    const approve = t.http.expectOne('/api/v1/me/pairing/approve');
    expect(approve.request.method).toBe('POST');
    // The session was renewed by the verification: its new CSRF token is the one sent.
    expect(approve.request.headers.get('X-CSRF-Token')).toBe('csrf-v');
    approve.flush(request({ status: 'completed' }));
    await t.settle();
    expect(t.root.querySelector('h2')?.textContent).toContain('Done. You can go back to your TV now.');
    expect(t.text).toContain('Living room TV is signed in to Family Jellyfin.');
    t.http.verify();
  });

  it('denies', async () => {
    const t = await PortalTest.open('/pair');
    await reviewing(t);
    await t.click('Deny');
    t.http.expectOne('/api/v1/me/pairing/deny').flush(request({ status: 'denied' }));
    await t.settle();
    expect(t.text).toContain('Denied. The TV was refused.');
    expect(t.text).toContain('someone else may know your password for Family Jellyfin');
  });

  it('says plainly when the code is unknown or expired, and lets the member type it again', async () => {
    const t = await PortalTest.open('/pair');
    await typeCode(t, 'BCDF-GHJK');
    t.http.expectOne('/api/v1/pairing').flush(apiError('pairing_code_invalid', 'This code is not valid, or it has expired.'), { status: 400 });
    await t.settle();
    const input = t.root.querySelector<HTMLInputElement>('#user-code')!;
    expect(t.root.querySelector('#user-code-error')?.textContent).toContain('This code does not work. It may be mistyped, or it has expired or was already used.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input);
    // Typing again clears the message.
    input.value = 'BCDF-GHJL';
    input.dispatchEvent(new Event('input'));
    await t.settle();
    expect(t.root.querySelector('#user-code-error')).toBeNull();
  });

  it('says when too many codes were tried', async () => {
    const t = await PortalTest.open('/pair');
    await typeCode(t, 'BCDF-GHJK');
    t.http
      .expectOne('/api/v1/pairing')
      .flush(apiError('rate_limited', 'Too many codes were tried from here. Wait a while, then type the code your TV shows now.'), { status: 429 });
    await t.settle();
    expect(t.root.querySelector('#user-code-error')?.textContent).toContain('Too many codes were tried from here. Wait a while');
  });

  it('explains a code with characters that never appear in codes, without asking the API', async () => {
    const t = await PortalTest.open('/pair');
    await typeCode(t, 'abcd 1234');
    expect(t.root.querySelector('#user-code-error')?.textContent).toContain(
      'Codes never contain “A”, “1”, “2”, “3” and “4”: they use letters only, and no vowels.',
    );
    await typeCode(t, 'wdjb');
    expect(t.root.querySelector('#user-code-error')?.textContent).toContain('8 letters');
    t.http.verify();
  });

  it('a request answered elsewhere, or expired, while the member looked at it is explained', async () => {
    const t = await PortalTest.open('/pair');
    await reviewing(t);
    await t.click('Approve');
    t.http.expectOne('/api/v1/me/pairing/approve').flush(apiError('pairing_code_invalid', 'This request was already answered, or it has expired.'), { status: 400 });
    await t.settle();
    expect(t.text).toContain('This request can no longer be answered.');
    expect(t.text).toContain('start signing in on the TV once more: it will show a new code');
  });

  it('a request that expired while the member was confirming is explained', async () => {
    const t = await PortalTest.open('/pair');
    await reviewing(t, request({ status: 'expired' }));
    expect(t.text).toContain('This request can no longer be answered.');
    expect(t.root.querySelector('dl.request')).toBeNull();
  });

  it('"Use a different code" ends the code\'s session and goes back to the field', async () => {
    const t = await PortalTest.open('/pair');
    await started(t);
    await t.click('Use a different code');
    const end = t.http.expectOne('/api/v1/portal/session');
    expect(end.request.method).toBe('DELETE');
    end.flush(null, { status: 204 });
    await t.settle();
    expect(t.root.querySelector<HTMLInputElement>('#user-code')?.value).toBe('');
    t.http.verify();
  });
});
