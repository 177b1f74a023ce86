import { DataSource } from 'typeorm';
import { PasskeysService } from '../factors/passkeys.service';
import { AdminCredentials, credentialsFrom, OWNER, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { startSmtp } from '../testing/smtp';
import { TEST_MAILS_PER_15_MIN } from './settings.service';
import { SettingsStore } from './settings.store';

const MINUTE = 60_000;
const SMTP_PASSWORD = 'env-smtp-secret-1234';
const CONSOLE_PASSWORD = 'console-smtp-secret-5678';

describe('settings: mail server, passkeys, device trust', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let owner: AdminCredentials;

  beforeAll(async () => {
    smtp = await startSmtp({ auth: { user: 'env-user', pass: SMTP_PASSWORD } });
    t = await startTestApp({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none', LATCHKEY_SMTP_USER: 'env-user', LATCHKEY_SMTP_PASSWORD: SMTP_PASSWORD, LATCHKEY_PUBLIC_URL: 'https://mfa.example.com' });
    owner = await setupOwner(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const get = (admin = owner) => t.request({ method: 'GET', url: '/api/v1/settings', admin });
  const putEmail = (body: unknown, admin = owner) => t.request({ method: 'PUT', url: '/api/v1/settings/email', admin, body });
  const patchSecurity = (body: unknown, admin = owner) => t.request({ method: 'PATCH', url: '/api/v1/settings/security', admin, body });
  const testEmail = (body: unknown = {}, admin = owner) => t.request({ method: 'POST', url: '/api/v1/settings/email/test', admin, body });
  const consoleSmtp = (port = smtp.port) => ({ host: '127.0.0.1', port, security: 'none', user: 'console-user', password: CONSOLE_PASSWORD, from: 'Den <den@example.com>' });

  /** Joins the team with a role through an invitation, as a new admin would. */
  async function join(email: string, role: 'admin' | 'viewer'): Promise<AdminCredentials> {
    const url = (await t.request({ method: 'POST', url: '/api/v1/admins/invites', admin: owner, body: { email, role } })).json().url as string;
    const pending = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/admin/invites/accept', body: { token: new URL(url).hash.slice('#token='.length), displayName: role, password: 'a long enough password' } }));
    const enrol = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending })).json();
    return credentialsFrom(await t.request({ method: 'POST', url: `/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, admin: pending, body: { code: totpCode(t, enrol.secret) } }));
  }

  it('shows the environment’s mail server with the password only as "set"', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json().email).toEqual({ source: 'environment', host: '127.0.0.1', port: smtp.port, security: 'none', user: 'env-user', from: 'Latchkey <latchkey@localhost>', passwordSet: true, updatedAt: null });
    expect(res.json().security).toMatchObject({ webauthn: { source: 'environment', rpId: 'mfa.example.com', origins: ['https://mfa.example.com'] }, deviceTrust: { source: 'environment', trustDays: 30 }, trustedProxies: [] });
    expect(res.body).not.toContain(SMTP_PASSWORD);
  });

  it('sends a test e-mail to the signed-in admin through the real mailer, and it arrives', async () => {
    const res = await testEmail();
    expect(res.json()).toEqual({ ok: true, to: OWNER.email, error: null });
    expect(smtp.mails.at(-1)?.to).toEqual([OWNER.email]);
    expect(smtp.mails.at(-1)?.raw).toContain('Latchkey test e-mail');
    const other = await testEmail({ to: 'someone@example.com' });
    expect(other.json().ok).toBe(true);
    expect(smtp.mails.at(-1)?.to).toEqual(['someone@example.com']);
  });

  it('a console mail server overrides the environment: its password is encrypted at rest and never returned', async () => {
    const saved = await putEmail(consoleSmtp());
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ source: 'console', user: 'console-user', from: 'Den <den@example.com>', passwordSet: true });
    expect(saved.body).not.toContain(CONSOLE_PASSWORD);
    const [row] = await t.app.get(DataSource).query("SELECT value FROM app_settings WHERE name = 'smtp'");
    expect(row.value).not.toContain(CONSOLE_PASSWORD);
    expect(JSON.parse(row.value).password).toMatch(/^lk1\./);
    expect((await t.app.get(SettingsStore).smtp())?.password).toBe(CONSOLE_PASSWORD);
    expect((await get()).body).not.toContain(CONSOLE_PASSWORD);

    // The mailer uses it: the test server knows only the environment's password, so it refuses this one.
    const refused = (await testEmail()).json();
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/refused the user name or password \(535 Invalid username or password\)/) });
    expect(JSON.stringify(refused)).not.toContain(CONSOLE_PASSWORD);
    // Saving again without a password keeps it; null clears it.
    expect((await putEmail({ ...consoleSmtp(), password: undefined })).json().passwordSet).toBe(true);
    expect((await t.app.get(SettingsStore).smtp())?.password).toBe(CONSOLE_PASSWORD);
    expect((await putEmail({ ...consoleSmtp(), password: null })).json().passwordSet).toBe(false);
    // Without a user it sends, from the console's sender.
    expect((await putEmail({ ...consoleSmtp(), user: null })).json()).toMatchObject({ user: null, passwordSet: false });
    expect((await testEmail()).json().ok).toBe(true);
    expect(smtp.mails.at(-1)?.raw).toContain('den@example.com');


    const audit = await t.app.get(DataSource).query("SELECT details FROM audit_events WHERE type LIKE 'settings.%'");
    expect(audit.length).toBeGreaterThanOrEqual(3);
    for (const a of audit) {
      expect(a.details).not.toContain(CONSOLE_PASSWORD);
      expect(a.details).not.toContain(SMTP_PASSWORD);
    }
    const updated = JSON.parse(audit.find((a: { details: string }) => a.details.includes('console-user')).details);
    expect(updated).toMatchObject({ before: { source: 'environment', user: 'env-user' }, after: { source: 'console', user: 'console-user', passwordSet: true, passwordChanged: true } });

    // Back to the environment.
    const reset = await t.request({ method: 'DELETE', url: '/api/v1/settings/email', admin: owner });
    expect(reset.json()).toMatchObject({ source: 'environment', user: 'env-user', passwordSet: true });
  });

  it('a mail server that cannot be reached is reported in plain words, not as an error', async () => {
    const closed = await startSmtp();
    await closed.close();
    expect((await putEmail(consoleSmtp(closed.port))).statusCode).toBe(200);
    const res = await testEmail();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, to: OWNER.email });
    expect(res.json().error).toMatch(/Could not connect to 127\.0\.0\.1:\d+: the connection was refused/);
    expect(res.body).not.toContain(CONSOLE_PASSWORD);
    await t.request({ method: 'DELETE', url: '/api/v1/settings/email', admin: owner });
  });

  it.each([
    ['a host with a scheme', { ...consoleSmtp(2525), host: 'smtp://mail.example.com' }],
    ['port 0', { ...consoleSmtp(2525), port: 0 }],
    ['an unknown security mode', { ...consoleSmtp(2525), security: 'ssl' }],
    ['a sender that is no address', { ...consoleSmtp(2525), from: 'nobody' }],
    ['an unknown field', { ...consoleSmtp(2525), debug: true }],
    ['a header injected into the sender', { ...consoleSmtp(2525), from: 'x@example.com\r\nBcc: evil@example.com' }],
  ])('refuses a mail server with %s (400)', async (_what, body) => {
    const res = await putEmail(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('refuses a test e-mail to something that is not an address (400)', async () => {
    expect((await testEmail({ to: 'not an address' })).json().error.code).toBe('validation_failed');
  });

  it('changes the passkey RP ID and origins in effect, and the device trust lifetime', async () => {
    const res = await patchSecurity({ webauthn: { rpId: 'example.com', origins: ['https://mfa.example.com/', 'https://login.example.com'] }, trustDays: 14 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ webauthn: { source: 'console', rpId: 'example.com', origins: ['https://mfa.example.com', 'https://login.example.com'] }, deviceTrust: { source: 'console', trustDays: 14 } });
    // The services read the value in effect.
    const store = t.app.get(SettingsStore);
    expect((await store.webauthn()).rpId).toBe('example.com');
    expect(await store.trustDays()).toBe(14);
    const options = await t.app.get(PasskeysService).signInOptions();
    expect(options['rpId']).toBe('example.com');
    const [audit] = await t.app.get(DataSource).query("SELECT details FROM audit_events WHERE type = 'settings.security_updated' ORDER BY seq DESC LIMIT 1");
    expect(JSON.parse(audit.details)).toMatchObject({ before: { rpId: 'mfa.example.com', trustDays: 30 }, after: { rpId: 'example.com', trustDays: 14 } });

    const back = await patchSecurity({ webauthn: null, trustDays: null });
    expect(back.json()).toMatchObject({ webauthn: { source: 'environment', rpId: 'mfa.example.com' }, deviceTrust: { source: 'environment', trustDays: 30 } });
  });

  it.each([
    ['an RP ID that is not a suffix of an origin’s host (passkeys would be phished for another site)', { webauthn: { rpId: 'example.com', origins: ['https://evil.example.net'] } }],
    ['an RP ID that only ends with the same letters', { webauthn: { rpId: 'ample.com', origins: ['https://mfa.example.com'] } }],
    ['a plain-http origin that is not localhost', { webauthn: { rpId: 'example.com', origins: ['http://mfa.example.com'] } }],
    ['an origin with a path', { webauthn: { rpId: 'example.com', origins: ['https://mfa.example.com/login'] } }],
    ['no origins', { webauthn: { rpId: 'example.com', origins: [] } }],
    ['an RP ID with a port', { webauthn: { rpId: 'example.com:443', origins: ['https://example.com'] } }],
    ['trust for 0 days', { trustDays: 0 }],
    ['trust for 91 days', { trustDays: 91 }],
    ['nothing to change', {}],
  ])('refuses %s (400)', async (_what, body) => {
    const res = await patchSecurity(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('a viewer reads the settings but changes none and sends no mail; an admin may', async () => {
    const viewer = await join('vic@example.com', 'viewer');
    expect((await get(viewer)).statusCode).toBe(200);
    expect((await putEmail(consoleSmtp(), viewer)).json().error.code).toBe('forbidden');
    expect((await patchSecurity({ trustDays: 7 }, viewer)).json().error.code).toBe('forbidden');
    expect((await testEmail({}, viewer)).json().error.code).toBe('forbidden');
    expect((await t.request({ method: 'DELETE', url: '/api/v1/settings/email', admin: viewer })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/settings' })).statusCode).toBe(401);

    const admin = await join('ada@example.com', 'admin');
    expect((await patchSecurity({ trustDays: 7 }, admin)).statusCode).toBe(200);
    expect((await testEmail({}, admin)).json()).toMatchObject({ ok: true, to: 'ada@example.com' });
    await patchSecurity({ trustDays: null });
  });

  it('the test button cannot be used to send mail in bulk (429 after the limit, per admin, for 15 minutes)', async () => {
    t.clock.advance(15 * MINUTE + 1000);
    for (let i = 0; i < TEST_MAILS_PER_15_MIN; i++) expect((await testEmail({ to: `n${i}@example.com` })).statusCode).toBe(200);
    const refused = await testEmail({ to: 'one-more@example.com' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(smtp.mails.some((m) => m.to.includes('one-more@example.com'))).toBe(false);
    t.clock.advance(15 * MINUTE + 1000);
    expect((await testEmail()).statusCode).toBe(200);
  });

  it('a session whose second factor is not recent cannot change the mail server or security settings (reauth_required)', async () => {
    owner = await signInOwner(t);
    t.clock.advance(t.config.adminSession.reauthMinutes * MINUTE);
    for (const res of [await putEmail(consoleSmtp()), await patchSecurity({ trustDays: 7 }), await t.request({ method: 'DELETE', url: '/api/v1/settings/email', admin: owner })]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('reauth_required');
    }
    expect((await get()).json().email.source).toBe('environment');
    expect((await get()).json().security.deviceTrust.trustDays).toBe(30);
  });
});

describe('settings on PostgreSQL', () => {
  let t: TestApp | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL on this machine; the SQLite suite above covers the behaviour.
      console.warn('PostgreSQL not reachable: the settings round trip on PostgreSQL did not run.');
      return;
    }
    db = await createTestDatabase();
    t = await startTestApp({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await smtp.close();
  });

  it('saves, replaces and resets overrides, and a test e-mail goes through the saved mail server', async () => {
    if (!t) return;
    const owner = await setupOwner(t);
    const body = { host: '127.0.0.1', port: smtp.port, security: 'none', user: null, from: 'Den <den@example.com>' };
    expect((await t.request({ method: 'PUT', url: '/api/v1/settings/email', admin: owner, body })).json().source).toBe('console');
    expect((await t.request({ method: 'PUT', url: '/api/v1/settings/email', admin: owner, body: { ...body, from: 'Den <den2@example.com>' } })).json().from).toBe('Den <den2@example.com>');
    expect((await t.request({ method: 'POST', url: '/api/v1/settings/email/test', admin: owner, body: {} })).json()).toMatchObject({ ok: true, to: OWNER.email });
    expect(smtp.mails.at(-1)?.raw).toContain('den2@example.com');
    expect((await t.request({ method: 'PATCH', url: '/api/v1/settings/security', admin: owner, body: { trustDays: 3 } })).json().deviceTrust.trustDays).toBe(3);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/settings/email', admin: owner })).json().source).toBe('none');
  });
});
