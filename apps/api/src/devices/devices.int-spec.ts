import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DecisionsService } from '../decisions/decisions.service';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import type { Env } from '../config/config';

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Issue 5's promises: remembered devices (trust tokens and every way one must fail), pairing a TV with a
 * code, app passwords, sign out everywhere, "I lost my phone", the owner's revocations and the servers'
 * revocation feed.
 */
describe('devices, pairing and app passwords', () => {
  let t: TestApp;
  let adminToken: string;
  let key: string;
  const secrets: Record<string, string> = {};

  const server = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown, bearer = key) => t.request({ method, url, bearer, body });
  const asAdmin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => t.request({ method, url, bearer: adminToken, body });
  const login = (externalId = 'alice', extra: Record<string, unknown> = {}, deviceId = 'browser-1') =>
    server('POST', '/api/v1/logins', {
      member: { externalId },
      device: { id: deviceId, name: deviceId.startsWith('tv') ? 'Living room TV' : 'Firefox on laptop' },
      client: { name: deviceId.startsWith('tv') ? 'Jellyfin Android TV' : 'Jellyfin Web', version: '10.11' },
      ip: { peer: '192.168.1.20', forwardedFor: [] },
      ...extra,
    });
  const linkOf = (url: string) => new URL(url).hash.replace(/^#/, '').split('&').find((p) => p.startsWith('link='))?.slice(5) ?? '';
  const portal = async (url: string) => credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(url) } }));
  const memberId = async (externalId: string) => (await t.app.get(DataSource).query('SELECT id FROM members WHERE external_id = ?', [externalId]))[0].id as string;
  /** Moves to a fresh TOTP time step (each step is accepted once) and returns its code. */
  const freshCode = (externalId: string) => {
    t.clock.advance(30_000);
    return totpCode(t, secrets[externalId] ?? '');
  };

  async function start(env: Env = {}): Promise<void> {
    t = await startTestApp(env);
    const admin: AdminCredentials = await setupOwner(t);
    key = (await registerServer(t, admin)).apiKey;
    adminToken = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    await server('PUT', '/api/v1/directory', {
      members: [
        { externalId: 'alice', username: 'alice', email: 'alice@example.com' },
        { externalId: 'bob', username: 'bob' },
      ],
    });
    await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 0, enabled: true });
    for (const who of ['alice', 'bob']) await enrolTotp(who);
  }

  async function enrolTotp(externalId: string): Promise<AdminCredentials> {
    const link = (await server('POST', `/api/v1/directory/members/${externalId}/links`, { purpose: 'enrol' })).json().url;
    const me = await portal(link);
    const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    secrets[externalId] = begun.secret;
    const done = await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } });
    expect(done.statusCode).toBe(200);
    return credentialsFrom(done);
  }

  /** Login → challenge → the member verifies on their pages with "remember this device" → the server polls. */
  async function remember(externalId = 'alice', deviceId = 'browser-1'): Promise<{ trustToken: string; trustExpiresAt: string | null; me: AdminCredentials }> {
    const c = (await login(externalId, {}, deviceId)).json().challenge;
    let me = await portal(c.portalUrl);
    const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: freshCode(externalId), remember: true } });
    expect(verified.statusCode).toBe(200);
    // Passing a factor raised the session: new cookie, new CSRF token.
    me = credentialsFrom(verified);
    t.clock.advance(10_000);
    const polled = (await server('GET', `/api/v1/challenges/${c.id}`)).json();
    expect(polled.status).toBe('completed');
    expect(polled.completion.trustToken).toMatch(/^lkd1\./);
    return { trustToken: polled.completion.trustToken, trustExpiresAt: polled.completion.trustExpiresAt, me };
  }

  async function trustRejection(): Promise<string | undefined> {
    await t.app.get(AuditService).flush();
    const rows = await t.app.get(DataSource).query("SELECT details FROM audit_events WHERE type = 'login.decision' ORDER BY seq DESC LIMIT 1");
    return JSON.parse(rows[0].details).trust;
  }

  afterEach(() => t?.close());

  describe('remembered devices', () => {
    beforeEach(() => start());

    it('a remembered device signs in without a challenge; its token rotates on every use', async () => {
      const { trustToken, trustExpiresAt } = await remember();
      expect(trustExpiresAt).toBe(new Date(t.clock.now().getTime() - 10_000 + 30 * DAY).toISOString());
      const first = (await login('alice', { trustToken })).json();
      expect(first).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ code: 'compliant_trusted_device' })], challenge: null });
      expect(first.trustToken).toMatch(/^lkd1\./);
      expect(first.trustToken).not.toBe(trustToken);
      const second = (await login('alice', { trustToken: first.trustToken })).json();
      expect(second.decision).toBe('allow');
      expect(second.trustToken).not.toBe(first.trustToken);
    });

    it('the hot path answers remembered-device logins, with the same answer and audit entry as the ordinary path', async () => {
      const decisions = t.app.get(DecisionsService);
      const slow = jest.spyOn(decisions, 'login');
      const { trustToken } = await remember();
      slow.mockClear();
      const fast = (await login('alice', { trustToken })).json();
      expect(slow).not.toHaveBeenCalled();
      expect(fast.decision).toBe('allow');
      // The same request through the ordinary path (what PostgreSQL, or an open transaction, gets).
      const ordinary = await decisions.login({ type: 'server', serverId: (await t.app.get(DataSource).query('SELECT id FROM servers'))[0].id, trustedProxies: [] }, {
        member: { externalId: 'alice' },
        device: { id: 'browser-1', name: 'Firefox on laptop' },
        client: { name: 'Jellyfin Web', version: '10.11' },
        ip: { peer: '192.168.1.20', forwardedFor: [] },
        trustToken: fast.trustToken,
      });
      expect({ ...ordinary, trustToken: 'x' }).toEqual({ ...fast, trustToken: 'x' });
      await t.app.get(AuditService).flush();
      const rows = await t.app.get(DataSource).query("SELECT outcome, ip, details FROM audit_events WHERE type = 'login.decision' ORDER BY seq DESC LIMIT 2");
      expect(rows[0]).toEqual(rows[1]);
      // A login that needs a write (a challenge) is left to the ordinary path.
      await login('bob');
      expect(slow).toHaveBeenCalledTimes(2);
      slow.mockRestore();
    });

    it('stolen token replayed after rotation → challenge, and the device is revoked for its owner too', async () => {
      const { trustToken } = await remember();
      const rotated = (await login('alice', { trustToken })).json().trustToken;
      // Two parallel logins of one device, or a lost answer: the previous token still works for a minute.
      expect((await login('alice', { trustToken })).json().decision).toBe('allow');
      t.clock.advance(2 * MINUTE);
      const replay = (await login('alice', { trustToken })).json();
      expect(replay.decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:reused');
      expect((await login('alice', { trustToken: rotated })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:revoked');
    });

    it('forged token (signature changed) → challenge', async () => {
      const { trustToken } = await remember();
      const parts = trustToken.split('.');
      const sig = parts[3] ?? '';
      const forged = [...parts.slice(0, 3), (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.');
      expect((await login('alice', { trustToken: forged })).json()).toMatchObject({ decision: 'challenge', trustToken: null });
      expect(await trustRejection()).toBe('rejected:forged');
      // A later generation number with the same signature is just as forged.
      const bumped = [parts[0], parts[1], '7', sig].join('.');
      expect((await login('alice', { trustToken: bumped })).json().decision).toBe('challenge');
      // Garbage is a challenge, not an error.
      expect((await login('alice', { trustToken: 'lkd1.not-a-token-at-all' })).json().decision).toBe('challenge');
    });

    it("another member's token → challenge", async () => {
      const { trustToken } = await remember('alice');
      expect((await login('bob', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:other_member');
    });

    it("another device's token → challenge", async () => {
      const { trustToken } = await remember('alice', 'browser-1');
      expect((await login('alice', { trustToken }, 'browser-2')).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:other_device');
    });

    it('expired token → challenge (30 days by default)', async () => {
      const { trustToken } = await remember();
      t.clock.advance(30 * DAY);
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:expired');
    });

    it('token of a device the member removed → challenge', async () => {
      const { trustToken, me } = await remember();
      await t.app.get(AuditService).flush();
      const security = (await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).json();
      expect(security.devices).toEqual([expect.objectContaining({ kind: 'remembered', deviceName: 'Firefox on laptop', client: 'Jellyfin Web 10.11', serverName: 'Living room Jellyfin' })]);
      expect(security.recentSignIns[0]).toMatchObject({ outcome: 'challenge', deviceName: 'Firefox on laptop', ip: '192.168.1.20' });
      const removed = await t.request({ method: 'DELETE', url: `/api/v1/me/devices/${security.devices[0].id}`, admin: me });
      expect(removed.statusCode).toBe(204);
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:revoked');
      expect((await t.request({ method: 'DELETE', url: `/api/v1/me/devices/${security.devices[0].id}`, admin: me })).json().error.code).toBe('device_not_found');
    });

    it("token of a device the owner revoked → challenge; the server's revocation feed lists it", async () => {
      const { trustToken } = await remember();
      const id = await memberId('alice');
      const view = (await asAdmin('GET', `/api/v1/members/${id}/security`)).json();
      expect(view.devices).toHaveLength(1);
      expect((await asAdmin('DELETE', `/api/v1/members/${id}/devices/${view.devices[0].id}`)).statusCode).toBe(204);
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      const feed = (await server('GET', '/api/v1/revocations')).json();
      expect(feed.items).toEqual([expect.objectContaining({ memberExternalId: 'alice', deviceId: 'browser-1', kind: 'remembered', reason: 'revoked_by_owner' })]);
      expect((await server('GET', `/api/v1/revocations?since=${encodeURIComponent(feed.next)}`)).json().items).toEqual([]);
      expect((await server('GET', '/api/v1/revocations?since=yesterday')).statusCode).toBe(400);
    });

    it('the revocation feed never skips a revocation made in the same millisecond as a server’s last poll', async () => {
      await remember('alice', 'browser-1');
      await remember('alice', 'browser-2');
      const id = await memberId('alice');
      const devices = (await asAdmin('GET', `/api/v1/members/${id}/security`)).json().devices as { id: string }[];
      const before = (await server('GET', '/api/v1/revocations')).json().next;
      // The clock stands still: both revocations fall in one millisecond, with a poll in between.
      expect((await asAdmin('DELETE', `/api/v1/members/${id}/devices/${devices[0]!.id}`)).statusCode).toBe(204);
      const first = (await server('GET', `/api/v1/revocations${before ? `?since=${encodeURIComponent(before)}` : ''}`)).json();
      expect(first.items).toHaveLength(1);
      expect((await asAdmin('DELETE', `/api/v1/members/${id}/devices/${devices[1]!.id}`)).statusCode).toBe(204);
      const second = (await server('GET', `/api/v1/revocations?since=${encodeURIComponent(first.next)}`)).json();
      expect(second.items).toHaveLength(1);
      expect(new Set([first.items[0].deviceId, second.items[0].deviceId])).toEqual(new Set(['browser-1', 'browser-2']));
    });

    it('token issued before a factor change → challenge', async () => {
      const { trustToken, me } = await remember();
      // Alice moves her authenticator app to a new phone (her session was just verified).
      const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
      t.clock.advance(30_000);
      const done = await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } });
      expect(done.statusCode).toBe(200);
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:revoked');
      // Even had the row not been marked, the credential version in the signature no longer matches.
      await t.app.get(DataSource).query('UPDATE member_devices SET revoked_at = NULL');
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:credentials_changed');
    });

    it('token issued before a trust-key rotation → challenge', async () => {
      const { trustToken } = await remember();
      const rotated = await asAdmin('POST', '/api/v1/devices/rotate-trust-key');
      expect(rotated.json()).toEqual({ devicesRevoked: 1 });
      await t.app.get(DataSource).query('UPDATE member_devices SET revoked_at = NULL');
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect(await trustRejection()).toBe('rejected:forged');
    });

    it('sign out everywhere: every device refused, other member-pages sessions ended', async () => {
      const { trustToken, me } = await remember();
      const other = (await remember('alice', 'tv-1')).me;
      const out = await t.request({ method: 'POST', url: '/api/v1/me/sign-out-everywhere', admin: me });
      expect(out.json()).toEqual({ devices: 2, appPasswords: 0, sessions: expect.any(Number) });
      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: other })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).statusCode).toBe(200);
    });

    it('the library access check honours a remembered device', async () => {
      await asAdmin('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 0, enabled: true });
      await server('PATCH', '/api/v1/directory', { libraries: [{ externalId: 'movies', name: 'Movies' }] });
      const { trustToken } = await remember();
      const access = (token?: string) => server('POST', '/api/v1/access', { member: { externalId: 'alice' }, library: { externalId: 'movies' }, device: { id: 'browser-1' }, ...(token ? { trustToken: token } : {}) });
      expect((await access(trustToken)).json().decision).toBe('allow');
      // Checked, not rotated: the same token keeps working for access checks.
      expect((await access(trustToken)).json().decision).toBe('allow');
    });
  });

  it('the trust lifetime is configurable (LATCHKEY_TRUST_DAYS)', async () => {
    await start({ LATCHKEY_TRUST_DAYS: '7' });
    const { trustToken, trustExpiresAt } = await remember();
    expect(new Date(trustExpiresAt ?? 0).getTime() - t.clock.now().getTime()).toBe(7 * DAY - 10_000);
    t.clock.advance(7 * DAY);
    expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
  });

  describe('pairing a TV with a code', () => {
    beforeEach(() => start());

    async function tvChallenge() {
      const res = (await login('alice', {}, 'tv-1')).json();
      expect(res.decision).toBe('challenge');
      return res.challenge as { id: string; userCode: string; verificationUri: string };
    }

    async function pair(userCode: string) {
      const res = await t.request({ method: 'POST', url: '/api/v1/pairing', body: { userCode } });
      return res;
    }

    it('TV login → code → member proves it is them and approves → the TV poll completes, paired until revoked', async () => {
      const c = await tvChallenge();
      // Typed on a phone: lower case, a space instead of the dash.
      const started = await pair(c.userCode.toLowerCase().replace('-', ' '));
      expect(started.statusCode).toBe(201);
      expect(started.json()).toMatchObject({ serverName: 'Living room Jellyfin', verificationChallengeId: expect.any(String) });
      let me = credentialsFrom(started);
      // The code alone shows nothing and changes nothing.
      expect((await t.request({ method: 'GET', url: '/api/v1/me', admin: me })).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).statusCode).toBe(403);
      expect((await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/v1/me/pairing', admin: me })).json().error.code).toBe('verification_required');
      expect((await t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })).json().error.code).toBe('verification_required');

      const step = started.json().verificationChallengeId;
      expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${step}`, admin: me })).json().methods).toEqual(['totp']);
      const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${step}/verify`, admin: me, body: { method: 'totp', code: freshCode('alice') } });
      expect(verified.statusCode).toBe(200);
      me = credentialsFrom(verified);
      const request = (await t.request({ method: 'GET', url: '/api/v1/me/pairing', admin: me })).json();
      expect(request).toMatchObject({ status: 'pending', deviceName: 'Living room TV', client: 'Jellyfin Android TV 10.11', ip: '192.168.1.20', location: expect.stringMatching(/private network/) });
      // Still nothing else: a verified pairing session is not a full session.
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).statusCode).toBe(403);

      const approved = await t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me });
      expect(approved.json()).toMatchObject({ status: 'completed' });
      t.clock.advance(10_000);
      const polled = (await server('GET', `/api/v1/challenges/${c.id}`)).json();
      expect(polled).toMatchObject({ status: 'completed', completion: { deviceId: 'tv-1', trustToken: expect.stringMatching(/^lkd1\./), trustExpiresAt: null } });

      // Paired: a year later, still in without a challenge.
      t.clock.advance(365 * DAY);
      const later = (await login('alice', { trustToken: polled.completion.trustToken }, 'tv-1')).json();
      expect(later).toMatchObject({ decision: 'allow', trustExpiresAt: null });
      await t.app.get(AuditService).flush();
      const paired = await t.app.get(DataSource).query("SELECT outcome FROM audit_events WHERE type = 'device.paired'");
      expect(paired).toEqual([{ outcome: 'success' }]);
    });

    it('the same code cannot be approved twice', async () => {
      const c = await tvChallenge();
      const started = await pair(c.userCode);
      const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${started.json().verificationChallengeId}/verify`, admin: credentialsFrom(started), body: { method: 'totp', code: freshCode('alice') } });
      const me = credentialsFrom(verified);
      expect((await t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })).statusCode).toBe(200);
      // The code's session ended with its answer, and the code itself is spent.
      expect((await t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })).statusCode).toBe(401);
      expect((await pair(c.userCode)).json().error.code).toBe('pairing_code_invalid');
    });

    it('concurrent approvals of one request: exactly one succeeds', async () => {
      const c = await tvChallenge();
      const sessions: AdminCredentials[] = [];
      for (let i = 0; i < 4; i++) {
        const started = await pair(c.userCode);
        const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${started.json().verificationChallengeId}/verify`, admin: credentialsFrom(started), body: { method: 'totp', code: freshCode('alice') } });
        sessions.push(credentialsFrom(verified));
      }
      const answers = await Promise.all(sessions.map((me) => t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })));
      expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
      expect(await t.app.get(DataSource).query("SELECT COUNT(*) AS n FROM member_devices WHERE kind = 'paired'")).toEqual([{ n: 1 }]);
    });

    it('denied: the TV poll says denied and nothing is paired', async () => {
      const c = await tvChallenge();
      const started = await pair(c.userCode);
      const verified = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${started.json().verificationChallengeId}/verify`, admin: credentialsFrom(started), body: { method: 'totp', code: freshCode('alice') } });
      expect((await t.request({ method: 'POST', url: '/api/v1/me/pairing/deny', admin: credentialsFrom(verified) })).json().status).toBe('denied');
      expect((await server('GET', `/api/v1/challenges/${c.id}`)).json()).toMatchObject({ status: 'denied', completion: null });
      expect(await t.app.get(DataSource).query('SELECT id FROM member_devices')).toEqual([]);
    });

    it('an expired code is refused', async () => {
      const c = await tvChallenge();
      t.clock.advance(11 * MINUTE);
      expect((await pair(c.userCode)).json().error.code).toBe('pairing_code_invalid');
    });

    it('wrong codes are rate-limited per address, and a malformed code is a validation error', async () => {
      const c = await tvChallenge();
      for (let i = 0; i < 20; i++) expect((await pair('BCDF-GHJK')).json().error.code).toBe('pairing_code_invalid');
      // Even the right code is refused once the address has spent its budget.
      const limited = await pair(c.userCode);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
      t.clock.advance(61 * MINUTE);
      expect((await pair('12345678')).json().error.code).toBe('validation_failed');
    });

    it('pending requests are capped per member: a sixth expires the oldest', async () => {
      const first = await tvChallenge();
      for (let i = 0; i < 5; i++) {
        t.clock.advance(1000);
        await tvChallenge();
      }
      expect((await server('GET', `/api/v1/challenges/${first.id}`)).json().status).toBe('expired');
      expect((await pair(first.userCode)).json().error.code).toBe('pairing_code_invalid');
    });
  });

  it('pending requests are capped overall (LATCHKEY_MAX_PENDING_CHALLENGES)', async () => {
    await start({ LATCHKEY_MAX_PENDING_CHALLENGES: '10', LATCHKEY_PENDING_CHALLENGES_PER_MEMBER: '50' });
    for (let i = 0; i < 10; i++) expect((await login('alice')).json().decision).toBe('challenge');
    const refused = await login('bob');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    t.clock.advance(11 * MINUTE);
    expect((await login('bob')).json().decision).toBe('challenge');
  });

  describe('app passwords', () => {
    let me: AdminCredentials;
    beforeEach(async () => {
      await start();
      me = (await remember()).me;
    });

    it('valid → allowed without a challenge; listed with last use; the owner can forbid them per policy', async () => {
      const created = await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'Infuse on the iPad' } });
      expect(created.statusCode).toBe(201);
      const { password, id } = created.json();
      expect(password).toMatch(/^lkap_[A-Za-z0-9_-]{32}$/);
      const res = (await login('alice', { appPassword: password }, 'ipad')).json();
      expect(res).toMatchObject({ decision: 'allow', challenge: null });
      const listed = (await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).json().appPasswords;
      expect(listed).toEqual([expect.objectContaining({ id, name: 'Infuse on the iPad', lastUsedAt: t.clock.now().toISOString(), lastIp: '192.168.1.20' })]);
      expect(JSON.stringify(listed)).not.toContain(password);

      const policy = (await asAdmin('GET', '/api/v1/policies')).json().items[0];
      expect(policy.allowAppPasswords).toBe(true);
      await asAdmin('PATCH', `/api/v1/policies/${policy.id}`, { allowAppPasswords: false });
      expect((await login('alice', { appPassword: password }, 'ipad')).json().decision).toBe('challenge');
    });

    it('revoked → refused', async () => {
      const { password, id } = (await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'Symfonium' } })).json();
      expect((await t.request({ method: 'DELETE', url: `/api/v1/me/app-passwords/${id}`, admin: me })).statusCode).toBe(204);
      const res = (await login('alice', { appPassword: password }, 'phone')).json();
      expect(res).toMatchObject({ decision: 'deny', reasons: [expect.objectContaining({ code: 'app_password_invalid' })] });
      // Another member's app password is no better than a wrong one.
      const bobs = await login('bob', { appPassword: password }, 'phone');
      expect(bobs.json().decision).toBe('deny');
    });

    it('an app password cannot manage factors or reach any member or admin route', async () => {
      const { password } = (await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'Seerr' } })).json();
      for (const [method, url] of [
        ['GET', '/api/v1/me'],
        ['POST', '/api/v1/me/factors/totp'],
        ['GET', '/api/v1/me/factors'],
        ['POST', '/api/v1/me/app-passwords'],
        ['GET', '/api/v1/policies'],
        ['POST', '/api/v1/logins'],
      ] as const) {
        expect((await t.request({ method, url, bearer: password, body: method === 'POST' ? {} : undefined })).statusCode).toBe(401);
        expect((await t.request({ method, url, headers: { cookie: `latchkey_member=${password}` }, body: method === 'POST' ? {} : undefined })).statusCode).toBe(401);
      }
    });

    it('creating one needs a recent verification', async () => {
      t.clock.advance(11 * MINUTE);
      const res = await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'Late' } });
      expect(res.json().error.code).toBe('verification_required');
    });
  });

  describe('I lost my phone', () => {
    beforeEach(() => start());

    it('afterwards every device and app password is refused, and only a recovery code or an e-mail code gets the member back in', async () => {
      const { trustToken, me } = await remember();
      const codes = (await t.request({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: me })).json().codes as string[];
      const { password } = (await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'TV app' } })).json();
      const paired = await remember('alice', 'tv-1');

      const lost = await t.request({ method: 'POST', url: '/api/v1/me/lost-phone', admin: me });
      expect(lost.json()).toMatchObject({ devices: 2, appPasswords: 1 });
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).json().emergency).toBe(true);

      expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
      expect((await login('alice', { trustToken: paired.trustToken }, 'tv-1')).json().decision).toBe('challenge');
      expect((await login('alice', { appPassword: password }, 'tv-2')).json().decision).toBe('deny');

      const c = (await login('alice')).json().challenge;
      expect(c.methods).toEqual(['recovery_codes']);
      const again = await portal(c.portalUrl);
      expect((await t.request({ method: 'GET', url: `/api/v1/me/challenges/${c.id}`, admin: again })).json().methods).toEqual(['recovery_code']);
      // The authenticator app on the lost phone no longer answers, even with the right code.
      const withPhone = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: again, body: { method: 'totp', code: freshCode('alice') } });
      expect(withPhone.json().error.code).toBe('verification_failed');
      const withRecovery = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: again, body: { method: 'recovery_code', code: codes[0] } });
      expect(withRecovery.statusCode).toBe(200);
      // Back in: the member can now replace the authenticator app; the emergency is over.
      expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: credentialsFrom(withRecovery) })).json().emergency).toBe(false);
    });
  });

  it("the owner's force sign-out revokes devices, app passwords and member-pages sessions", async () => {
    await start();
    const { trustToken, me } = await remember();
    const { password } = (await t.request({ method: 'POST', url: '/api/v1/me/app-passwords', admin: me, body: { name: 'Kodi' } })).json();
    const out = (await asAdmin('POST', `/api/v1/members/${await memberId('alice')}/sign-out`)).json();
    expect(out).toMatchObject({ devices: 1, appPasswords: 1 });
    expect(out.sessions).toBeGreaterThanOrEqual(1);
    expect((await login('alice', { trustToken })).json().decision).toBe('challenge');
    expect((await login('alice', { appPassword: password }, 'kodi')).json().decision).toBe('deny');
    expect((await t.request({ method: 'GET', url: '/api/v1/me/security', admin: me })).statusCode).toBe(401);
    expect((await asAdmin('POST', '/api/v1/members/00000000-0000-4000-8000-000000000000/sign-out')).json().error.code).toBe('member_not_found');
  });
});
