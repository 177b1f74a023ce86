import { DataSource } from 'typeorm';
import { FEATURE_MODULES } from '../app.module';
import { collectRoutes } from '../openapi/openapi';
import { AdminCredentials, credentialsFrom, ownerTotpSecrets, registerServer, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';

const MINUTE = 60_000;
const PASSWORD = 'a long enough password';

/** Routes that change security settings: a console session needs a second-factor check in the last N minutes. */
const REAUTH_ROUTES = [
  'DELETE /api/v1/admins/:adminId',
  'DELETE /api/v1/admins/invites/:inviteId',
  'DELETE /api/v1/exemptions/:exemptionId',
  'DELETE /api/v1/policies/:policyId',
  'DELETE /api/v1/servers/:serverId/api-key',
  'PATCH /api/v1/admins/:adminId',
  'PATCH /api/v1/policies/:policyId',
  'PATCH /api/v1/servers/:serverId',
  'POST /api/v1/admin/tokens',
  'POST /api/v1/admins/invites',
  'POST /api/v1/devices/rotate-trust-key',
  'POST /api/v1/exemptions',
  'POST /api/v1/members/:memberId/reset-mfa',
  'POST /api/v1/members/bulk/exempt',
  'POST /api/v1/members/bulk/reset-mfa',
  'POST /api/v1/policies',
  'POST /api/v1/policies/:policyId/disable',
  'POST /api/v1/policies/:policyId/enable',
  'POST /api/v1/servers',
  'POST /api/v1/servers/:serverId/api-key',
  'DELETE /api/v1/settings/email',
  'PATCH /api/v1/settings/security',
  'PUT /api/v1/settings/email',
];

interface Invited {
  admin: AdminCredentials;
  secret: string;
  id: string;
}

describe('admin team: invitations, roles, re-authentication', () => {
  let t: TestApp;
  let owner: AdminCredentials;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await setupOwner(t);
  });
  afterAll(() => t.close());

  const tokenOf = (url: string) => new URL(url).hash.slice('#token='.length);
  const invite = (email: string, role: string, as = owner) => t.request({ method: 'POST', url: '/api/v1/admins/invites', admin: as, body: { email, role } });
  const accept = (token: string, displayName = 'Vic Viewer') => t.request({ method: 'POST', url: '/api/v1/admin/invites/accept', body: { token, displayName, password: PASSWORD } });
  const audit = async (type: string) => t.app.get(DataSource).query('SELECT admin_id, details FROM audit_events WHERE type = ? ORDER BY seq', [type]);

  /** Invites, accepts and enrols an authenticator app, as the new admin would in the console. */
  async function join(email: string, role: string): Promise<Invited> {
    const link = (await invite(email, role)).json().url;
    const pending = credentialsFrom(await accept(tokenOf(link)));
    const enrol = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending })).json();
    const done = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, admin: pending, body: { code: totpCode(t, enrol.secret) } });
    expect(done.statusCode).toBe(200);
    return { admin: credentialsFrom(done), secret: enrol.secret, id: done.json().admin.id };
  }

  /** Answers a second-factor challenge on a signed-in session; returns the renewed session. */
  async function reverify(admin: AdminCredentials, secret: string): Promise<AdminCredentials> {
    const challenge = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/challenge', admin })).json();
    t.clock.advance(30_000);
    const res = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/challenge/${challenge.id}/verify`, admin, body: { method: 'totp', code: totpCode(t, secret) } });
    expect(res.statusCode).toBe(200);
    return credentialsFrom(res);
  }

  it('an owner invites a viewer with a single-use link, shown once and stored hashed', async () => {
    const res = await invite('Vic@Example.com', 'viewer');
    expect(res.statusCode).toBe(201);
    const { invite: inv, url } = res.json();
    expect(inv).toMatchObject({ email: 'vic@example.com', role: 'viewer', invitedBy: expect.any(String) });
    expect(url).toMatch(/\/admin\/invite#token=[\w-]{43}$/);
    const [row] = await t.app.get(DataSource).query('SELECT token_hash FROM admin_invites WHERE id = ?', [inv.id]);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(tokenOf(url));
    const team = (await t.request({ method: 'GET', url: '/api/v1/admins', admin: owner })).json();
    expect(team.invites.map((i: { email: string }) => i.email)).toEqual(['vic@example.com']);
    expect(JSON.stringify(team)).not.toContain(tokenOf(url));
    expect((await audit('admin.invited')).map((a: { details: string }) => JSON.parse(a.details).after)).toContainEqual(expect.objectContaining({ email: 'vic@example.com', role: 'viewer' }));

    // Accepting creates the account and a password-only session: a second factor comes first.
    const accepted = await accept(tokenOf(url));
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toMatchObject({ mfa: 'enrol_required', admin: { email: 'vic@example.com', role: 'viewer', displayName: 'Vic Viewer' } });
    const pending = credentialsFrom(accepted);
    expect((await t.request({ method: 'GET', url: '/api/v1/policies', admin: pending })).json().error.code).toBe('mfa_required');
    // The link works once.
    expect((await accept(tokenOf(url))).json().error.code).toBe('invite_invalid');
    expect((await t.request({ method: 'GET', url: '/api/v1/admins', admin: owner })).json().invites).toEqual([]);

    const enrol = (await t.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending })).json();
    const done = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, admin: pending, body: { code: totpCode(t, enrol.secret) } });
    expect(done.json().mfa).toBe('verified');
    const viewer = credentialsFrom(done);
    // A viewer reads, and changes nothing.
    expect((await t.request({ method: 'GET', url: '/api/v1/policies', admin: viewer })).statusCode).toBe(200);
    const created = await t.request({ method: 'POST', url: '/api/v1/policies', admin: owner, body: { name: 'Everyone' } });
    const change = await t.request({ method: 'PATCH', url: `/api/v1/policies/${created.json().id}`, admin: viewer, body: { gracePeriodDays: 1 } });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.code).toBe('forbidden');
    expect((await invite('x@example.com', 'owner', viewer)).json().error.code).toBe('forbidden');
    const seen = (await t.request({ method: 'GET', url: '/api/v1/admins', admin: viewer })).json();
    expect(seen.admins.find((a: { email: string }) => a.email === 'vic@example.com')).toMatchObject({ role: 'viewer', secondFactor: true });
    expect((await audit('admin.invite_accepted')).length).toBe(1);
  });

  it('expired, revoked and replaced invitations do not work; an existing admin cannot be invited', async () => {
    const first = tokenOf((await invite('eve@example.com', 'admin')).json().url);
    const second = await invite('eve@example.com', 'viewer');
    expect((await accept(first)).json().error.code).toBe('invite_invalid');
    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/admins/invites/${second.json().invite.id}`, admin: owner });
    expect(revoked.statusCode).toBe(204);
    expect((await accept(tokenOf(second.json().url))).json().error.code).toBe('invite_invalid');
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/invites/${second.json().invite.id}`, admin: owner })).json().error.code).toBe('invite_not_found');

    const late = tokenOf((await invite('late@example.com', 'viewer')).json().url);
    t.clock.advance(72 * 60 * MINUTE);
    expect((await accept(late)).json().error.code).toBe('invite_invalid');
    owner = await reverifyOwner();

    expect((await invite('owner@example.com', 'viewer')).json().error.code).toBe('conflict');
    expect((await accept('x'.repeat(43))).json().error.code).toBe('invite_invalid');
  });

  it('an invitation accepted by 20 parallel requests creates exactly one admin', async () => {
    const token = tokenOf((await invite('race@example.com', 'admin')).json().url);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => accept(token, `Racer ${i}`)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode !== 201).every((r) => r.json().error.code === 'invite_invalid')).toBe(true);
    const rows = await t.app.get(DataSource).query("SELECT count(*) AS n FROM admins WHERE email = 'race@example.com'");
    expect(Number(rows[0].n)).toBe(1);
  });

  it('owners change roles and remove admins, audited with before and after; never the last owner', async () => {
    const me = (await t.request({ method: 'GET', url: '/api/v1/admin/session', admin: owner })).json().admin.id;
    expect((await t.request({ method: 'PATCH', url: `/api/v1/admins/${me}`, admin: owner, body: { role: 'admin' } })).json().error.code).toBe('last_owner');
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/${me}`, admin: owner })).json().error.code).toBe('last_owner');

    const ada = await join('ada@example.com', 'viewer');
    const promoted = await t.request({ method: 'PATCH', url: `/api/v1/admins/${ada.id}`, admin: owner, body: { role: 'admin' } });
    expect(promoted.json()).toMatchObject({ role: 'admin', secondFactor: true });
    const changed = (await audit('admin.role_changed')).map((a: { details: string }) => JSON.parse(a.details));
    expect(changed).toContainEqual(expect.objectContaining({ targetAdminId: ada.id, before: { role: 'viewer' }, after: { role: 'admin' } }));
    // An admin (not an owner) manages everything but the team.
    expect((await invite('y@example.com', 'viewer', ada.admin)).json().error.code).toBe('forbidden');
    expect((await t.request({ method: 'POST', url: '/api/v1/policies', admin: ada.admin, body: { name: 'By Ada' } })).statusCode).toBe(201);

    // With a second owner, the first may step down; the second cannot then leave.
    await t.request({ method: 'PATCH', url: `/api/v1/admins/${ada.id}`, admin: owner, body: { role: 'owner' } });
    expect((await t.request({ method: 'PATCH', url: `/api/v1/admins/${me}`, admin: owner, body: { role: 'admin' } })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/${ada.id}`, admin: ada.admin })).json().error.code).toBe('last_owner');
    await t.request({ method: 'PATCH', url: `/api/v1/admins/${me}`, admin: ada.admin, body: { role: 'owner' } });

    // Removing an admin ends their session and their API tokens at once.
    const bob = await join('bob@example.com', 'admin');
    const token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: bob.admin, body: { name: 'script' } })).json().secret;
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/${bob.id}`, admin: owner })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/policies', admin: bob.admin })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/policies', bearer: token })).statusCode).toBe(401);
    const removed = (await audit('admin.removed')).map((a: { details: string }) => JSON.parse(a.details));
    expect(removed).toContainEqual(expect.objectContaining({ targetAdminId: bob.id, before: { email: 'bob@example.com', displayName: 'Vic Viewer', role: 'admin' } }));
    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/${bob.id}`, admin: owner })).json().error.code).toBe('admin_not_found');
  });

  it('marks exactly the routes that change security settings as needing a recent second factor', () => {
    const marked = collectRoutes(FEATURE_MODULES)
      .filter((r) => r.auth?.kind === 'admin' && r.auth.reauth)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(marked).toEqual([...REAUTH_ROUTES].sort());
  });

  it('after the window, a security change answers reauth_required until the second factor is checked again; tokens are exempt', async () => {
    owner = await reverifyOwner();
    const token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: owner, body: { name: 'automation' } })).json().secret;
    const policy = (await t.request({ method: 'POST', url: '/api/v1/policies', admin: owner, body: { name: 'Re-auth' } })).json();

    t.clock.advance(t.config.adminSession.reauthMinutes * MINUTE - 1000);
    expect((await t.request({ method: 'PATCH', url: `/api/v1/policies/${policy.id}`, admin: owner, body: { gracePeriodDays: 3 } })).statusCode).toBe(200);
    t.clock.advance(1000);
    const stale = await t.request({ method: 'PATCH', url: `/api/v1/policies/${policy.id}`, admin: owner, body: { gracePeriodDays: 4 } });
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error).toMatchObject({ code: 'reauth_required', details: { reauthMinutes: t.config.adminSession.reauthMinutes } });
    // Reading and protective actions still work; nothing was changed.
    expect((await t.request({ method: 'GET', url: `/api/v1/policies/${policy.id}`, admin: owner })).json().gracePeriodDays).toBe(3);
    // An admin API token is not a console session: exempt (documented).
    expect((await t.request({ method: 'PATCH', url: `/api/v1/policies/${policy.id}`, bearer: token, body: { gracePeriodDays: 5 } })).statusCode).toBe(200);

    owner = await reverify(owner, ownerTotpSecrets.get(t) ?? '');
    expect((await t.request({ method: 'PATCH', url: `/api/v1/policies/${policy.id}`, admin: owner, body: { gracePeriodDays: 6 } })).statusCode).toBe(200);
    const rotated = await t.request({ method: 'POST', url: '/api/v1/devices/rotate-trust-key', admin: owner, body: {} });
    expect(rotated.statusCode).toBe(200);
  });

  it('re-authentication applies to the routes of servers, exemptions and the team as well', async () => {
    const server = await registerServer(t, owner);
    t.clock.advance(t.config.adminSession.reauthMinutes * MINUTE);
    for (const [method, url, body] of [
      ['POST', `/api/v1/servers/${server.id}/api-key`, {}],
      ['POST', '/api/v1/admins/invites', { email: 'z@example.com', role: 'viewer' }],
      ['POST', '/api/v1/exemptions', { memberId: '00000000-0000-4000-8000-000000000000', reason: 'x' }],
      ['POST', '/api/v1/devices/rotate-trust-key', {}],
    ] as const) {
      const res = await t.request({ method, url, admin: owner, body });
      expect({ url, code: res.json().error?.code }).toEqual({ url, code: 'reauth_required' });
    }
    owner = await reverify(owner, ownerTotpSecrets.get(t) ?? '');
  });

  /** A fresh owner session (after long clock moves the old one has timed out). */
  const reverifyOwner = () => signInOwner(t);
});

describe('the last owner on PostgreSQL (runs when PostgreSQL is reachable)', () => {
  let available = false;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let t: TestApp | undefined;

  beforeAll(async () => {
    available = await postgresReachable();
    if (!available) {
      // Written reason: no PostgreSQL on this machine; SQLite transactions are serial anyway.
      console.warn('PostgreSQL not reachable: the last-owner race test did not run.');
      return;
    }
    db = await createTestDatabase();
    t = await startTestApp({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('two owners demoting each other at the same moment: exactly one succeeds', async () => {
    if (!available || !t) return;
    const app = t;
    const first = await setupOwner(app);
    const link = (await app.request({ method: 'POST', url: '/api/v1/admins/invites', admin: first, body: { email: 'second@example.com', role: 'owner' } })).json().url;
    const pending = credentialsFrom(await app.request({ method: 'POST', url: '/api/v1/admin/invites/accept', body: { token: new URL(link).hash.slice(7), displayName: 'Second', password: PASSWORD } }));
    const enrol = (await app.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending })).json();
    const second = credentialsFrom(await app.request({ method: 'POST', url: `/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, admin: pending, body: { code: totpCode(app, enrol.secret) } }));
    const idOf = async (a: AdminCredentials) => (await app.request({ method: 'GET', url: '/api/v1/admin/session', admin: a })).json().admin.id as string;
    const [a, b] = [await idOf(first), await idOf(second)];
    const results = await Promise.all([
      app.request({ method: 'PATCH', url: `/api/v1/admins/${b}`, admin: first, body: { role: 'viewer' } }),
      app.request({ method: 'PATCH', url: `/api/v1/admins/${a}`, admin: second, body: { role: 'viewer' } }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const owners = await app.app.get(DataSource).query("SELECT count(*)::int AS n FROM admins WHERE role = 'owner'");
    expect(owners[0].n).toBe(1);
  });
});
