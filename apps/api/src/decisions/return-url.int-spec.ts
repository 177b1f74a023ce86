import { DataSource } from 'typeorm';
import { AdminCredentials, OWNER, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';

/**
 * Returning to the media server's web client after a verification: the server names the return URL when it
 * asks for the login decision; Latchkey keeps it only when its origin is the server's own, and the member
 * pages learn it from the challenge — never from the address bar — so nobody can turn Latchkey into an
 * open redirect.
 */
describe('return URL after a verification (open redirect)', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let serverId: string;
  let key: string;
  let secret: string;

  const login = (extra: Record<string, unknown> = {}) =>
    t.request({ method: 'POST', url: '/api/v1/logins', bearer: key, body: { member: { externalId: 'alice' }, device: { id: 'web-1', name: 'Firefox' }, client: { name: 'Jellyfin Web' }, ...extra } });
  const memberFrom = async (portalUrl: string) =>
    credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: new URL(portalUrl).hash.slice(1).split('&')[0]!.slice(5) } }));
  const challenges = async () => Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM challenges'))[0].n);

  beforeEach(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
    ({ id: serverId, apiKey: key } = await registerServer(t, admin));
    await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: key, body: { members: [{ externalId: 'alice', username: 'alice' }] } });
    const link = new URL((await t.request({ method: 'POST', url: '/api/v1/directory/members/alice/links', bearer: key, body: { purpose: 'enrol' } })).json().url).hash.slice(6);
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } }));
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    secret = begun.secret;
    await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, secret) } });
    t.clock.advance(30_000);
  });
  afterEach(() => t.close());

  it('registers extra web origins for a server, normalised, and refuses anything that is not an origin', async () => {
    const ok = await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, admin, body: { webOrigins: ['HTTPS://Media.Example.com/', 'https://media.example.com:443'] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().webOrigins).toEqual(['https://media.example.com']);
    for (const bad of ['https://media.example.com/web', 'https://user@media.example.com', 'javascript:alert(1)', '//media.example.com']) {
      const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, admin, body: { webOrigins: [bad] } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('a challenged login keeps an allowed return URL, and the member pages get it back after verifying', async () => {
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, admin, body: { webOrigins: ['https://media.example.com'] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    for (const returnUrl of ['http://jellyfin.lan:8096/web/index.html#!/home.html', 'https://media.example.com/web/']) {
      const res = await login({ returnUrl });
      expect(res.statusCode).toBe(200);
      const c = res.json().challenge;
      const me = await memberFrom(c.portalUrl);
      expect(new URL(c.portalUrl).hash).not.toContain('return');
      expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${c.id}`, admin: me })).json().returnUrl).toBe(returnUrl);
      const done = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: totpCode(t, secret) } });
      expect(done.statusCode).toBe(200);
      const after = credentialsFrom(done);
      expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${c.id}`, admin: after })).json()).toMatchObject({ status: 'completed', returnUrl });
      t.clock.advance(30_000);
    }
    // Without one, the pages say "go back to your TV or app".
    const plain = (await login()).json().challenge;
    expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${plain.id}`, admin: await memberFrom(plain.portalUrl) })).json().returnUrl).toBeNull();
  });

  it.each([
    ['another site', 'https://evil.example/web/'],
    ['the server’s host as user info', 'http://jellyfin.lan:8096@evil.example/'],
    ['scheme-relative', '//evil.example/'],
    ['a backslash', 'http://jellyfin.lan:8096\\@evil.example/'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['an IDN look-alike', 'http://jеllyfin.lan:8096/'],
    ['another port of the server', 'http://jellyfin.lan:8097/'],
  ])('an open-redirect attempt (%s) is refused with return_url_not_allowed, and opens no challenge', async (_what, returnUrl) => {
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    const res = await login({ returnUrl });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'return_url_not_allowed', details: { issues: [{ path: 'returnUrl', message: expect.any(String) }] } });
    expect(await challenges()).toBe(0);
  });

  it('a login that needs no challenge is refused the same way (an integration learns at once, not at the first challenge)', async () => {
    expect((await login({ returnUrl: 'http://jellyfin.lan:8096/web/' })).json().decision).toBe('allow');
    expect((await login({ returnUrl: 'https://evil.example/' })).json().error.code).toBe('return_url_not_allowed');
    expect((await login({ returnUrl: 'x'.repeat(2049) })).statusCode).toBe(400);
  });

  it('a return URL whose origin the owner has since removed is no longer handed to the member pages', async () => {
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, admin, body: { webOrigins: ['https://media.example.com'] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    const c = (await login({ returnUrl: 'https://media.example.com/web/' })).json().challenge;
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, admin, body: { webOrigins: [] } });
    expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${c.id}`, admin: await memberFrom(c.portalUrl) })).json().returnUrl).toBeNull();
  });

  it('the member pages name the owner who asks: the reminders’ sender name, else the owner account’s name', async () => {
    const link = () => t.request({ method: 'POST', url: '/api/v1/directory/members/alice/links', bearer: key, body: { purpose: 'manage' } }).then((r) => new URL(r.json().url).hash.slice(6));
    const self = async () => (await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: await link() } })).json().server;
    expect(await self()).toEqual({ name: 'Living room Jellyfin', ownerName: OWNER.displayName });
    expect((await t.request({ method: 'PUT', url: '/api/v1/settings/reminders', admin, body: { enabled: true, senderName: 'Grandpa Joe', message: null } })).statusCode).toBe(200);
    expect(await self()).toEqual({ name: 'Living room Jellyfin', ownerName: 'Grandpa Joe' });
  });

  it('the member pages say what the owner requires and by when: the deadline while in grace, none once set up', async () => {
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: key, body: { members: [{ externalId: 'bob', username: 'bob' }] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Everyone', gracePeriodDays: 14, enabled: true } });
    const requirement = async (who: string) => {
      const link = new URL((await t.request({ method: 'POST', url: `/api/v1/directory/members/${who}/links`, bearer: key, body: { purpose: 'enrol' } })).json().url).hash.slice(6);
      return (await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } })).json().requirement;
    };
    const deadline = new Date(t.clock.now().getTime() + 14 * 86_400_000).toISOString();
    expect(await requirement('bob')).toEqual({ required: true, deadline, daysLeft: 14, passkeyRequired: false });
    t.clock.advance(15 * 86_400_000);
    expect(await requirement('bob')).toEqual({ required: true, deadline, daysLeft: -1, passkeyRequired: false });
    // Alice has an authenticator app: required (she verifies at sign-in), no deadline pending.
    expect(await requirement('alice')).toEqual({ required: true, deadline: null, daysLeft: null, passkeyRequired: false });
  });
});
