import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Secret, TOTP } from 'otpauth';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';

const DAY = 86_400_000;

/**
 * The whole loop a media server drives: sync, policy, grace login, deadline, enrolment, challenge,
 * completion on the member pages, polling, and a refused replay.
 */
describe('login and access decisions', () => {
  let t: TestApp;
  let adminToken: string;
  let key: string;
  let groups: Record<string, string>;
  let libraries: Record<string, string>;

  const server = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) => t.request({ method, url, bearer: key, body });
  // Admin calls use an admin API token: sessions idle out, and these tests move the clock by days.
  const asAdmin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => t.request({ method, url, bearer: adminToken, body });
  const login = (externalId = 'alice', extra: Record<string, unknown> = {}) =>
    server('POST', '/api/v1/logins', { member: { externalId }, device: { id: 'tv-1', name: 'Living room TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' }, ...extra });
  const linkOf = (url: string) => new URL(url).hash.replace(/^#/, '').split('&').find((p) => p.startsWith('link='))?.slice(5) ?? '';
  const code = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() });

  beforeEach(async () => {
    t = await startTestApp();
    const admin: AdminCredentials = await setupOwner(t);
    key = (await registerServer(t, admin)).apiKey;
    adminToken = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    await server('PUT', '/api/v1/directory', {
      groups: [{ externalId: 'family', name: 'Family' }, { externalId: 'friends', name: 'Friends' }],
      libraries: [{ externalId: 'home-videos', name: 'Home videos' }, { externalId: 'movies', name: 'Movies' }],
      members: [
        { externalId: 'alice', username: 'alice', email: 'alice@example.com', groups: ['family'] },
        { externalId: 'bob', username: 'bob', groups: ['friends'] },
      ],
    });
    const ds = t.app.get(DataSource);
    groups = Object.fromEntries((await ds.query('SELECT id, external_id FROM directory_groups')).map((r: { id: string; external_id: string }) => [r.external_id, r.id]));
    libraries = Object.fromEntries((await ds.query('SELECT id, external_id FROM directory_libraries')).map((r: { id: string; external_id: string }) => [r.external_id, r.id]));
  });
  afterEach(() => t.close());

  it('no policy: everyone is allowed, and the decision says why', async () => {
    const res = await login();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ code: 'no_policy' })], challenge: null, enrolUrl: null });
    // Decisions are audited by group commit: written a few milliseconds later, with their own time.
    await t.app.get(AuditService).flush();
    const rows = await t.app.get(DataSource).query("SELECT at, outcome, details FROM audit_events WHERE type = 'login.decision'");
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].at)).toBe(t.clock.now().getTime());
    expect(JSON.parse(rows[0].details)).toMatchObject({ client: 'Jellyfin Android TV 0.16', deviceId: 'tv-1', reasons: ['no_policy'] });
  });

  it('full loop: grace → deadline → enrol → challenge → complete on the member pages → poll → replay refused', async () => {
    const policy = await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 14, enabled: true });
    expect(policy.statusCode).toBe(201);
    expect(policy.json().activatedAt).toBe(t.clock.now().toISOString());

    const grace = (await login()).json();
    expect(grace).toMatchObject({ decision: 'allow_in_grace', daysLeft: 14, deadline: new Date(t.clock.now().getTime() + 14 * DAY).toISOString() });
    expect(grace.explanation).toMatch(/owner/i);
    expect(grace.enrolUrl).toMatch(/\/enrol#link=/);

    t.clock.advance(15 * DAY);
    const blocked = (await login()).json();
    expect(blocked.decision).toBe('enrol_required');

    // Alice follows the enrolment link and sets up an authenticator app.
    const session = await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(blocked.enrolUrl) } });
    let me = credentialsFrom(session);
    const start = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    const confirmed = await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: code(start.secret) } });
    expect(confirmed.statusCode).toBe(200);

    const challenged = (await login()).json();
    expect(challenged.decision).toBe('challenge');
    expect(challenged.challenge).toMatchObject({ interval: 5, methods: ['totp'], verificationUri: expect.stringMatching(/\/pair$/), userCode: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/) });
    const challengeId = challenged.challenge.id;
    expect((await server('GET', `/api/v1/challenges/${challengeId}`)).json()).toMatchObject({ status: 'pending', completion: null });

    // On the member pages, from the portal URL.
    me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(challenged.challenge.portalUrl) } }));
    t.clock.advance(30_000);
    const done = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${challengeId}/verify`, admin: me, body: { method: 'totp', code: code(start.secret) } });
    expect(done.statusCode).toBe(200);
    // Passing a factor raised the member's session: new cookie.
    me = credentialsFrom(done);

    t.clock.advance(10_000);
    const polled = (await server('GET', `/api/v1/challenges/${challengeId}`)).json();
    expect(polled).toMatchObject({ status: 'completed', completion: { memberExternalId: 'alice', deviceId: 'tv-1', token: expect.stringMatching(/^v1\./) } });

    t.clock.advance(30_000);
    const replay = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${challengeId}/verify`, admin: me, body: { method: 'totp', code: code(start.secret) } });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('verification_failed');
  });

  it('polling faster than the interval gets slow_down and a longer interval (RFC 8628)', async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 0, enabled: true });
    await enrolTotpFor('alice');
    const c = (await login()).json().challenge;
    expect((await server('GET', `/api/v1/challenges/${c.id}`)).json()).toMatchObject({ slowDown: false, interval: 5 });
    t.clock.advance(1000);
    expect((await server('GET', `/api/v1/challenges/${c.id}`)).json()).toMatchObject({ slowDown: true, interval: 10 });
    t.clock.advance(10_000);
    expect((await server('GET', `/api/v1/challenges/${c.id}`)).json()).toMatchObject({ slowDown: false, interval: 10 });
  });

  it("another server cannot poll this server's challenge", async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 0, enabled: true });
    await enrolTotpFor('alice');
    const c = (await login()).json().challenge;
    const other = await registerServerViaToken('Other');
    const res = await t.request({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: other });
    expect(res.json().error.code).toBe('challenge_not_found');
  });

  it('a library-only policy guards that library and nothing else', async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Home videos need MFA', libraries: [libraries['home-videos']], gracePeriodDays: 0, enabled: true });
    expect((await login()).json().decision).toBe('allow');
    const access = (lib: string) => server('POST', '/api/v1/access', { member: { externalId: 'alice' }, library: { externalId: lib }, device: { id: 'tv-1' } });
    expect((await access('movies')).json().decision).toBe('allow');
    expect((await access('home-videos')).json().decision).toBe('enrol_required');
  });

  it('a group-only policy leaves other groups alone; an exemption excuses a member', async () => {
    const policy = (await asAdmin('POST', '/api/v1/policies', { name: 'Family', groups: [groups['family']], gracePeriodDays: 0, enabled: true })).json();
    expect((await login('bob')).json().decision).toBe('allow');
    expect((await login('alice')).json().decision).toBe('enrol_required');
    const aliceId = (await t.app.get(DataSource).query("SELECT id FROM members WHERE external_id = 'alice'"))[0].id;
    const ex = await asAdmin('POST', '/api/v1/exemptions', { memberId: aliceId, policyId: policy.id, reason: 'Grandma, no smartphone', expiresAt: new Date(t.clock.now().getTime() + 7 * DAY).toISOString() });
    expect(ex.statusCode).toBe(201);
    expect((await login('alice')).json()).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ code: 'exempt' })] });
    t.clock.advance(8 * DAY);
    expect((await login('alice')).json().decision).toBe('enrol_required');
    expect((await asAdmin('POST', '/api/v1/exemptions', { memberId: aliceId, reason: '' })).statusCode).toBe(400);
  });

  it('disabling and re-enabling a policy never hands out a fresh grace period', async () => {
    const p = (await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 14, enabled: true })).json();
    t.clock.advance(10 * DAY);
    await asAdmin('POST', `/api/v1/policies/${p.id}/disable`);
    t.clock.advance(10 * DAY);
    const again = (await asAdmin('POST', `/api/v1/policies/${p.id}/enable`)).json();
    expect(again.activatedAt).toBe(p.activatedAt);
    expect((await login()).json().decision).toBe('enrol_required');
  });

  it('a member the directory has not pushed yet is added on first sign-in, with their own grace period', async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 14, enabled: true });
    t.clock.advance(20 * DAY);
    const res = (await server('POST', '/api/v1/logins', { member: { externalId: 'carol', username: 'carol' }, device: { id: 'web' }, client: { name: 'Jellyfin Web' } })).json();
    expect(res).toMatchObject({ decision: 'allow_in_grace', daysLeft: 14 });
    const unknown = await server('POST', '/api/v1/logins', { member: { externalId: 'dave' }, device: { id: 'web' }, client: { name: 'Jellyfin Web' } });
    expect(unknown.json().error.code).toBe('member_not_found');
  });

  it('LAN bypass believes X-Forwarded-For only from the server’s trusted proxies', async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone but home', gracePeriodDays: 0, enabled: true, bypassCidrs: ['192.168.1.0/24'] });
    const serverId = (await server('GET', '/api/v1/servers/self')).json().id;
    await asAdmin('PATCH', `/api/v1/servers/${serverId}`, { trustedProxies: ['10.0.0.5'] });
    const from = (peer: string, forwardedFor: string[]) => login('alice', { ip: { peer, forwardedFor } }).then((r) => r.json().decision);
    expect(await from('192.168.1.20', [])).toBe('allow');
    expect(await from('203.0.113.9', ['192.168.1.20'])).toBe('enrol_required');
    expect(await from('10.0.0.5', ['192.168.1.20'])).toBe('allow');
    expect(await from('10.0.0.5', ['203.0.113.9'])).toBe('enrol_required');
  });

  it('previews a draft: compliant, in grace, blocked now, exempt', async () => {
    await enrolTotpFor('alice');
    const draft = await asAdmin('POST', '/api/v1/policies/preview', { gracePeriodDays: 7 });
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({ total: 2, compliant: 1, inGrace: 1, blockedNow: 0, exempt: 0 });
    const strict = (await asAdmin('POST', '/api/v1/policies/preview', { gracePeriodDays: 0, accepted: 'phishing_resistant' })).json();
    expect(strict).toMatchObject({ compliant: 0, blockedNow: 2 });
  });

  it('policies are validated and audited with the admin and before/after', async () => {
    expect((await asAdmin('POST', '/api/v1/policies', { name: 'x', groups: ['00000000-0000-4000-8000-000000000000'] })).statusCode).toBe(400);
    expect((await asAdmin('POST', '/api/v1/policies', { name: 'x', gracePeriodDays: -1 })).statusCode).toBe(400);
    const p = (await asAdmin('POST', '/api/v1/policies', { name: 'Everyone' })).json();
    expect(p.enabled).toBe(false);
    await asAdmin('PATCH', `/api/v1/policies/${p.id}`, { gracePeriodDays: 30 });
    expect((await asAdmin('DELETE', `/api/v1/policies/${p.id}`)).statusCode).toBe(204);
    expect((await asAdmin('GET', `/api/v1/policies/${p.id}`)).json().error.code).toBe('policy_not_found');
    const audit = await t.app.get(DataSource).query("SELECT type, admin_id, details FROM audit_events WHERE type LIKE 'policy.%' ORDER BY at");
    expect(audit.map((a: { type: string }) => a.type)).toEqual(['policy.created', 'policy.updated', 'policy.deleted']);
    expect(JSON.parse(audit[1].details)).toMatchObject({ before: { gracePeriodDays: 14 }, after: { gracePeriodDays: 30 } });
    expect(audit.every((a: { admin_id: string }) => a.admin_id)).toBe(true);
  });

  it('`restrict` lets the member in past the deadline but refuses the guarded libraries, and offers enrolment', async () => {
    await asAdmin('POST', '/api/v1/policies', { name: 'Home videos', libraries: [libraries['home-videos']], gracePeriodDays: 0, enforcement: 'restrict', enabled: true });
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone, gently', gracePeriodDays: 0, enforcement: 'restrict', enabled: true });
    const res = (await login()).json();
    expect(res).toMatchObject({ decision: 'allow', restrictedLibraries: 'all', enrolUrl: expect.stringMatching(/\/enrol#link=/) });
    const access = (await server('POST', '/api/v1/access', { member: { externalId: 'alice' }, library: { externalId: 'home-videos' }, device: { id: 'tv-1' } })).json();
    expect(access.decision).toBe('enrol_required');
  });

  it('under a phishing-resistant policy a member with only an authenticator app is in grace and told a passkey is needed', async () => {
    await enrolTotpFor('alice');
    await asAdmin('POST', '/api/v1/policies', { name: 'Passkeys only', gracePeriodDays: 30, accepted: 'phishing_resistant', enabled: true });
    const res = (await login()).json();
    // Alice holds only an authenticator app: in grace, told a passkey is needed.
    expect(res.decision).toBe('allow_in_grace');
    expect(res.reasons.map((r: { code: string }) => r.code)).toContain('needs_phishing_resistant');
  });

  it('a challenge opened under a passkey-only policy refuses other factors', async () => {
    const secret = await enrolTotpFor('alice');
    // Alice also "has" a passkey factor row, so the policy asks her for a challenge that accepts only passkeys.
    const aliceId = (await t.app.get(DataSource).query("SELECT id FROM members WHERE external_id = 'alice'"))[0].id;
    await t.app.get(DataSource).query(
      "INSERT INTO factors (id, member_id, kind, status, label, credential_id, sign_count, created_at) VALUES ('00000000-0000-4000-8000-0000000000aa', ?, 'passkey', 'active', 'Key', 'cred-x', 0, 0)",
      [aliceId],
    );
    await asAdmin('POST', '/api/v1/policies', { name: 'Passkeys only', gracePeriodDays: 0, accepted: 'phishing_resistant', enabled: true });
    const c = (await login()).json().challenge;
    expect(c.methods).toEqual(['passkey']);
    const linkToken = linkOf(c.portalUrl);
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkToken } }));
    expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${c.id}`, admin: me })).json().methods).toEqual(['passkey']);
    t.clock.advance(30_000);
    const res = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: code(secret) } });
    expect(res.json().error.code).toBe('verification_failed');
  });

  async function enrolTotpFor(externalId: string): Promise<string> {
    const link = (await server('POST', `/api/v1/directory/members/${externalId}/links`, { purpose: 'enrol' })).json().url;
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const start = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: code(start.secret) } });
    return start.secret;
  }

  async function registerServerViaToken(name: string): Promise<string> {
    return (await asAdmin('POST', '/api/v1/servers', { name, kind: 'plex', baseUrl: 'http://plex.lan:32400' })).json().apiKey;
  }
});
