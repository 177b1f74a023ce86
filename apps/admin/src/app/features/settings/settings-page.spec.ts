import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { SessionStore } from '../../core/session-store';
import type { NotificationChannel, Settings } from '@latchkey/contracts';
import { aSession, click, settle, submit, typeInto } from '../../../testing/test-helpers';
import { SettingsPage } from './settings-page';

const SETTINGS: Settings = {
  email: { source: 'environment', host: 'smtp.example.com', port: 587, security: 'starttls', user: 'mailer', from: 'Latchkey <latchkey@example.com>', passwordSet: true, updatedAt: null },
  security: {
    webauthn: { source: 'environment', rpId: 'mfa.example.com', rpName: 'Latchkey', origins: ['https://mfa.example.com'], updatedAt: null },
    deviceTrust: { source: 'environment', trustDays: 30, updatedAt: null },
    trustedProxies: ['10.0.0.1'],
    reauthMinutes: 10,
  },
};

const HOOK: NotificationChannel = {
  id: '3b9c5a40-4c1e-4b8e-9a53-1f1f5f8c2a14',
  name: 'Home Assistant',
  kind: 'webhook',
  events: ['lockout'],
  enabled: true,
  url: 'https://hooks.example.com/lk',
  hasToken: true,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

describe('SettingsPage', () => {
  let http: HttpTestingController;
  let fixture: ComponentFixture<SettingsPage>;
  let root: HTMLElement;

  async function open(role: 'owner' | 'viewer' = 'owner', channels: NotificationChannel[] = [HOOK]): Promise<void> {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(SessionStore).set({ ...aSession, admin: { ...aSession.admin, role } });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(SettingsPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/settings').flush(SETTINGS);
    await settle(fixture);
    http.expectOne('/api/v1/notifications/channels').flush({ items: channels });
    await settle(fixture);
  }

  afterEach(() => http.verify());

  it('shows the mail server in effect, never a password, and where each value comes from', async () => {
    await open();
    const email = root.querySelector('[aria-labelledby="email-title"]') as HTMLElement;
    expect(email.textContent).toContain('smtp.example.com');
    expect(email.textContent).toContain('From the environment');
    expect(email.textContent).toMatch(/Password\s*Set/);
    expect(root.textContent).toContain('mfa.example.com');
    expect(root.textContent).toContain('30 days');
    expect(root.textContent).toContain('10.0.0.1');
    expect(root.textContent).toContain('LATCHKEY_TRUSTED_PROXIES');
    expect(root.textContent).toContain('Home Assistant');
  });

  it('sends a test e-mail to the signed-in admin and says what went wrong in plain words', async () => {
    await open();
    submit(root, '.test-form');
    const first = http.expectOne({ method: 'POST', url: '/api/v1/settings/email/test' });
    expect(first.request.body).toEqual({});
    first.flush({ ok: false, to: 'owner@example.com', error: 'Could not connect to smtp.example.com:587: the connection was refused.' });
    await settle(fixture);
    expect(root.querySelector('.test-result')?.textContent).toContain('could not be sent. Could not connect to smtp.example.com:587');

    typeInto(root, '#smtp-test-to', 'ops@example.com');
    submit(root, '.test-form');
    const second = http.expectOne({ method: 'POST', url: '/api/v1/settings/email/test' });
    expect(second.request.body).toEqual({ to: 'ops@example.com' });
    second.flush({ ok: true, to: 'ops@example.com', error: null });
    await settle(fixture);
    expect(root.querySelector('.test-result')?.textContent).toContain('Test e-mail sent to ops@example.com');
  });

  it('saves a mail server, keeping the stored password when none is typed, and shows field errors', async () => {
    await open();
    click(root, 'button', 'Change mail server');
    await settle(fixture);
    typeInto(root, '#smtp-host', 'mail.example.org');
    typeInto(root, '#smtp-security', 'tls');
    await settle(fixture);
    expect((root.querySelector('#smtp-port') as HTMLInputElement).value).toBe('465');
    submit(root, '.settings-form');
    const bad = http.expectOne({ method: 'PUT', url: '/api/v1/settings/email' });
    expect(bad.request.body).toEqual({ host: 'mail.example.org', port: 465, security: 'tls', user: 'mailer', from: 'Latchkey <latchkey@example.com>' });
    bad.flush({ error: { code: 'validation_failed', message: 'The request is not valid.', details: { issues: [{ path: 'host', message: 'must be a host name' }] } } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(root.textContent).toContain('must be a host name');

    typeInto(root, '#smtp-password', 's3cret');
    submit(root, '.settings-form');
    const ok = http.expectOne({ method: 'PUT', url: '/api/v1/settings/email' });
    expect(ok.request.body.password).toBe('s3cret');
    ok.flush({ ...SETTINGS.email, host: 'mail.example.org', port: 465, security: 'tls', source: 'console', updatedAt: '2026-01-02T10:00:00.000Z' });
    await settle(fixture);
    expect(root.textContent).toContain('Set in the console');
    expect(root.textContent).not.toContain('s3cret');
    click(root, 'button', 'Use the environment’s settings');
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'Use the environment’s settings');
    http.expectOne({ method: 'DELETE', url: '/api/v1/settings/email' }).flush(SETTINGS.email);
    await settle(fixture);
    expect(root.textContent).toContain('environment again');
  });

  it('adds an ntfy channel, tests a channel and shows the result, and deletes one after confirming', async () => {
    await open();
    click(root, 'button', 'Add channel');
    await settle(fixture);
    typeInto(root, '#channel-kind', 'ntfy');
    typeInto(root, '#channel-name', 'Phone');
    await settle(fixture);
    typeInto(root, '#channel-topic', 'latchkey-alerts');
    submit(root, '.channel-form');
    const create = http.expectOne({ method: 'POST', url: '/api/v1/notifications/channels' });
    expect(create.request.body).toEqual({ kind: 'ntfy', name: 'Phone', events: ['lockout', 'member.overdue'], enabled: true, serverUrl: 'https://ntfy.sh', topic: 'latchkey-alerts' });
    const phone: NotificationChannel = { ...HOOK, id: '4b9c5a40-4c1e-4b8e-9a53-1f1f5f8c2a15', name: 'Phone', kind: 'ntfy', url: undefined, serverUrl: 'https://ntfy.sh', topic: 'latchkey-alerts', hasToken: false };
    create.flush({ channel: phone });
    await settle(fixture);
    expect(root.textContent).toContain('https://ntfy.sh/latchkey-alerts');

    click(root, 'button', 'Send test to Home Assistant');
    http.expectOne({ method: 'POST', url: `/api/v1/notifications/channels/${HOOK.id}/test` }).flush({ ok: false, status: 500, error: 'The receiver answered 500.' });
    await settle(fixture);
    expect(root.textContent).toContain('Test failed (HTTP 500): The receiver answered 500.');

    click(root, 'button', 'Delete Home Assistant');
    await settle(fixture);
    click(root.querySelector('dialog[open]') as HTMLElement, 'button', 'Delete');
    http.expectOne({ method: 'DELETE', url: `/api/v1/notifications/channels/${HOOK.id}` }).flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    expect(root.querySelector('.channel-list')?.textContent).not.toContain('Home Assistant');
    expect(root.textContent).toContain('Home Assistant removed.');
  });

  it('asks before changing the passkey RP ID, and sends RP ID and origins together', async () => {
    await open();
    click(root, 'button', 'Change passkey settings');
    await settle(fixture);
    typeInto(root, '#rp-id', 'example.com');
    typeInto(root, '#rp-origins', 'https://mfa.example.com\nhttps://login.example.com\n');
    submit(root, '[aria-labelledby="security-title"] .settings-form');
    await settle(fixture);
    const dialog = root.querySelector('dialog[open]') as HTMLElement;
    expect(dialog.textContent).toContain('stop working');
    click(dialog, 'button', 'Change it');
    const req = http.expectOne({ method: 'PATCH', url: '/api/v1/settings/security' });
    expect(req.request.body).toEqual({ webauthn: { rpId: 'example.com', origins: ['https://mfa.example.com', 'https://login.example.com'] } });
    req.flush({ ...SETTINGS.security, webauthn: { ...SETTINGS.security.webauthn, source: 'console', rpId: 'example.com', origins: ['https://mfa.example.com', 'https://login.example.com'] } });
    await settle(fixture);
    expect(root.textContent).toContain('https://login.example.com');
    expect(root.textContent).toContain('Set in the console');
  });

  it('validates the trust lifetime through the API and shows its message', async () => {
    await open();
    const buttons = Array.from(root.querySelectorAll<HTMLButtonElement>('[aria-labelledby="security-title"] button')).filter((b) => b.textContent?.trim() === 'Change');
    buttons[0]?.click();
    await settle(fixture);
    typeInto(root, '#trust-days', '120');
    submit(root, '[aria-labelledby="security-title"] .settings-form');
    http
      .expectOne({ method: 'PATCH', url: '/api/v1/settings/security' })
      .flush({ error: { code: 'validation_failed', message: 'trustDays: must be at most 90', details: { issues: [{ path: 'trustDays', message: 'must be at most 90' }] } } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(root.querySelector('#trust-days-error')?.textContent).toContain('must be at most 90');
  });

  it('shows a viewer the settings without any control that changes them', async () => {
    await open('viewer');
    expect(root.textContent).toContain('only owners and admins change them');
    expect(root.querySelector('.test-form')).toBeNull();
    const labels = Array.from(root.querySelectorAll('button'))
      .filter((b) => !b.closest('dialog'))
      .map((b) => b.textContent?.trim());
    expect(labels.filter((l) => /Change|Add|Delete|Send|Edit/.test(l ?? ''))).toEqual([]);
  });
});
