import { AdminAuthService } from './admin-auth.service';
import { credentialsFrom, OWNER, setupOwner, signInOwner, startTestApp, TestApp } from '../testing/harness';

async function setupToken(t: TestApp): Promise<string> {
  const link = await t.app.get(AdminAuthService).issueSetupLink();
  expect(link.url).toMatch(/^http:\/\/localhost:8080\/admin\/setup#token=[\w-]{43}$/);
  return new URL(link.url).hash.slice('#token='.length);
}

describe('owner account and admin sessions', () => {
  let t: TestApp;
  beforeEach(async () => (t = await startTestApp()));
  afterEach(() => t.close());

  it('first run: the setup link creates the owner and signs them in with a hardened cookie', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/setup' })).json()).toEqual({ ownerExists: false });
    const token = await setupToken(t);
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER } });
    expect(res.statusCode).toBe(201);
    expect(res.json().admin).toMatchObject({ email: OWNER.email, displayName: OWNER.displayName, role: 'owner' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/latchkey_admin=[\w-]{43}/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/setup' })).json()).toEqual({ ownerExists: true });
    const rows = await t.app.get(require('typeorm').DataSource).query('SELECT password_hash FROM admins');
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('a setup link works once: replaying it is refused', async () => {
    const token = await setupToken(t);
    expect((await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER } })).statusCode).toBe(201);
    const again = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER, email: 'mallory@example.com' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('setup_already_done');
  });

  it('racing setups with two valid links: exactly one owner is created', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => setupToken(t)));
    const results = await Promise.all(
      tokens.map((token, i) => t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER, email: `owner${i}@example.com` } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const rows = await t.app.get(require('typeorm').DataSource).query('SELECT count(*) AS n FROM admins');
    expect(Number(rows[0].n)).toBe(1);
  });

  it('expired or made-up setup tokens are refused', async () => {
    const token = await setupToken(t);
    t.clock.advance(t.config.setupTokenTtlMinutes * 60_000 + 1);
    const expired = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER } });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe('setup_token_invalid');
    const madeUp = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token: 'x'.repeat(43), ...OWNER } });
    expect(madeUp.json().error.code).toBe('setup_token_invalid');
  });

  it('refuses a short password with a field-level message', async () => {
    const token = await setupToken(t);
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER, password: 'short' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues).toEqual([{ path: 'password', message: 'must be at least 12 characters' }]);
  });

  it('signs in with email and password; wrong password and unknown email get the same answer', async () => {
    await setupOwner(t);
    const ok = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: 'OWNER@example.com', password: OWNER.password } });
    expect(ok.statusCode).toBe(200);
    const wrong = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: 'not the password' } });
    const unknown = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: 'nobody@example.com', password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: string) => JSON.parse(b).error.message + JSON.parse(b).error.code;
    expect(strip(wrong.body)).toBe(strip(unknown.body));
  });

  it('each sign-in starts a new session id (no session fixation)', async () => {
    const first = await setupOwner(t);
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/session', headers: { cookie: first.cookie }, body: { email: OWNER.email, password: OWNER.password } });
    const second = credentialsFrom(res);
    expect(second.cookie).not.toBe(first.cookie);
    expect(second.csrfToken).not.toBe(first.csrfToken);
  });

  it('CSRF: a state-changing request with the cookie but without the token is refused', async () => {
    const admin = await setupOwner(t);
    const body = { name: 'x', kind: 'plex', baseUrl: 'http://plex.lan:32400' };
    const noToken = await t.request({ method: 'POST', url: '/api/v1/servers', headers: { cookie: admin.cookie }, body });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.code).toBe('csrf_failed');
    const wrongToken = await t.request({ method: 'POST', url: '/api/v1/servers', admin: { ...admin, csrfToken: 'forged' }, body });
    expect(wrongToken.json().error.code).toBe('csrf_failed');
    const crossSite = await t.request({ method: 'POST', url: '/api/v1/servers', admin, headers: { 'sec-fetch-site': 'cross-site' }, body });
    expect(crossSite.json().error.code).toBe('csrf_failed');
    expect((await t.request({ method: 'POST', url: '/api/v1/servers', admin, body })).statusCode).toBe(201);
  });

  it('sessions end after the idle timeout and after the absolute lifetime', async () => {
    const admin = await setupOwner(t);
    t.clock.advance(t.config.adminSession.idleMinutes * 60_000 - 1000);
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/session', admin })).statusCode).toBe(200);
    t.clock.advance(t.config.adminSession.idleMinutes * 60_000 + 1);
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/session', admin })).statusCode).toBe(401);

    const fresh = await signInOwner(t);
    for (let h = 0; h < t.config.adminSession.maxHours * 4; h++) {
      t.clock.advance(15 * 60_000);
      const res = await t.request({ method: 'GET', url: '/api/v1/servers', admin: fresh });
      if (res.statusCode !== 200) {
        expect(h + 1).toBe(t.config.adminSession.maxHours * 4);
        return;
      }
    }
    throw new Error('session outlived its absolute lifetime');
  });

  it('sign-out revokes the session server-side', async () => {
    const admin = await setupOwner(t);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/admin/session', admin })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', admin })).statusCode).toBe(401);
  });

  it('admin API tokens: shown once, work as bearer tokens, stop working when revoked', async () => {
    const admin = await setupOwner(t);
    const created = await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'backup script' } });
    expect(created.statusCode).toBe(201);
    const { secret, token } = created.json();
    expect(secret).toMatch(/^lk_adm_[\w-]{43}$/);
    const list = await t.request({ method: 'GET', url: '/api/v1/admin/tokens', admin });
    expect(list.body).not.toContain(secret);
    expect(list.json().items).toEqual([expect.objectContaining({ id: token.id, name: 'backup script' })]);
    // A bearer token needs no CSRF token: it is not sent automatically by browsers.
    expect((await t.request({ method: 'POST', url: '/api/v1/servers', bearer: secret, body: { name: 'a', kind: 'emby', baseUrl: 'http://emby.lan' } })).statusCode).toBe(201);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admin/tokens/${token.id}`, admin })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', bearer: secret })).statusCode).toBe(401);
  });

  it('expired admin tokens are refused', async () => {
    const admin = await setupOwner(t);
    const { secret } = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'ci', expiresInDays: 1 } })).json();
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', bearer: secret })).statusCode).toBe(200);
    t.clock.advance(86_400_000);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', bearer: secret })).statusCode).toBe(401);
  });
});
