import { credentialsFrom, OWNER, ownerTotpSecrets, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { AdminAuthService } from './admin-auth.service';

describe('admin second factor', () => {
  let t: TestApp;
  beforeEach(async () => (t = await startTestApp()));
  afterEach(() => t.close());

  const signInWithPasswordOnly = async () =>
    credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: OWNER.password } }));

  it('a new owner must enrol a second factor before anything else', async () => {
    const link = await t.app.get(AdminAuthService).issueSetupLink();
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token: new URL(link.url).hash.slice(7), ...OWNER } });
    expect(res.json().mfa).toBe('enrol_required');
    const pending = credentialsFrom(res);
    const blocked = await t.request({ method: 'GET', url: '/api/v1/servers', admin: pending });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('mfa_required');
    expect((await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: pending, body: { name: 'sneaky' } })).json().error.code).toBe('mfa_required');
  });

  it('a stolen password is not enough: a password-only session reaches no admin route', async () => {
    await setupOwner(t);
    const pending = await signInWithPasswordOnly();
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/session', admin: pending })).json().mfa).toBe('required');
    for (const url of ['/api/v1/servers', '/api/v1/members', '/api/v1/admin/tokens', '/api/v1/admin/mfa/factors']) {
      expect((await t.request({ method: 'GET', url, admin: pending })).json().error.code).toBe('mfa_required');
    }
    // Nor can it add its own authenticator while the admin already has one.
    expect((await t.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending })).json().error.code).toBe('mfa_required');
  });

  it('the second factor opens the console with a new session id; the password-only session is gone', async () => {
    await setupOwner(t);
    const pending = await signInWithPasswordOnly();
    const challenge = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/challenge', admin: pending })).json();
    expect(challenge.methods).toEqual(['totp']);
    t.clock.advance(30_000);
    const wrong = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/challenge/${challenge.id}/verify`, admin: pending, body: { method: 'totp', code: '000000' } });
    expect(wrong.json().error.code).toBe('verification_failed');
    const ok = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/challenge/${challenge.id}/verify`, admin: pending, body: { method: 'totp', code: totpCode(t, ownerTotpSecrets.get(t) ?? '') } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().mfa).toBe('verified');
    const verified = credentialsFrom(ok);
    expect(verified.cookie).not.toBe(pending.cookie);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', admin: verified })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/session', admin: pending })).statusCode).toBe(401);
  });

  it('recovery codes get an admin in when the phone is lost', async () => {
    const admin = await setupOwner(t);
    const { codes } = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/recovery-codes', admin })).json();
    const pending = await signInWithPasswordOnly();
    const challenge = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/challenge', admin: pending })).json();
    expect(challenge.methods).toEqual(['totp', 'recovery_code']);
    const ok = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/challenge/${challenge.id}/verify`, admin: pending, body: { method: 'recovery_code', code: codes[0] } });
    expect(ok.statusCode).toBe(200);
  });

  it('an admin cannot remove their last authenticator', async () => {
    await setupOwner(t);
    const admin = await signInOwner(t);
    const factors = (await t.request({ method: 'GET', url: '/api/v1/admin/mfa/factors', admin })).json().items;
    const res = await t.request({ method: 'DELETE', url: `/api/v1/admin/mfa/factors/${factors[0].id}`, admin });
    expect(res.statusCode).toBe(409);
  });
});

describe('admin who lost every factor', () => {
  it('is reset from the Latchkey machine: factors removed, sessions ended, enrolment asked again', async () => {
    const t = await startTestApp();
    try {
      const admin = await setupOwner(t);
      expect(await t.app.get(AdminAuthService).resetMfa('OWNER@example.com')).toBe(true);
      expect((await t.request({ method: 'GET', url: '/api/v1/servers', admin })).statusCode).toBe(401);
      const again = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: OWNER.password } });
      expect(again.json().mfa).toBe('enrol_required');
      expect(await t.app.get(AdminAuthService).resetMfa('nobody@example.com')).toBe(false);
    } finally {
      await t.close();
    }
  });
});
