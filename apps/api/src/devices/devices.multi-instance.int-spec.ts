import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { FakeClock } from '../common/clock';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';

/**
 * Two Latchkey instances on one PostgreSQL database (same keys, same clock), requests alternating between
 * them: device trust and pairing hold across instances (runs when PostgreSQL is reachable).
 */
describe('devices across two instances on PostgreSQL', () => {
  let available = false;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let a: TestApp;
  let b: TestApp;
  let key: string;
  let secret: string;
  let adminToken: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-multi-'));

  const login = (t: TestApp, extra: Record<string, unknown> = {}, deviceId = 'laptop') =>
    t.request({ method: 'POST', url: '/api/v1/logins', bearer: key, body: { member: { externalId: 'alice' }, device: { id: deviceId, name: deviceId }, client: { name: 'Jellyfin Web' }, ...extra } });
  const linkOf = (url: string) => new URL(url).hash.replace(/^#/, '').split('&').find((p) => p.startsWith('link='))?.slice(5) ?? '';

  beforeAll(async () => {
    available = await postgresReachable();
    if (!available) {
      // Written reason: no PostgreSQL on this machine; the same flows run on SQLite in devices.int-spec.
      console.warn('PostgreSQL not reachable: the multi-instance device tests did not run.');
      return;
    }
    db = await createTestDatabase();
    const clock = new FakeClock(new Date('2026-03-01T12:00:00Z'));
    const env = { DATABASE_URL: db.url, LATCHKEY_PAIRING_ATTEMPTS_PER_IP_PER_HOUR: '1000' };
    a = await startTestApp(env, { dataDir, clock });
    b = await startTestApp(env, { dataDir, clock });
    const admin = await setupOwner(a);
    key = (await registerServer(a, admin)).apiKey;
    adminToken = (await a.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    await b.request({ method: 'PUT', url: '/api/v1/directory', bearer: key, body: { members: [{ externalId: 'alice', username: 'alice' }] } });
    await b.request({ method: 'POST', url: '/api/v1/policies', bearer: adminToken, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    const link = (await a.request({ method: 'POST', url: '/api/v1/directory/members/alice/links', bearer: key, body: { purpose: 'enrol' } })).json().url;
    const me = credentialsFrom(await b.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(link) } }));
    const begun = (await b.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    secret = begun.secret;
    await a.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(a, secret) } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a device remembered on one instance is trusted on the other, and a revocation on either is refused by both at once', async () => {
    if (!available) return;
    const c = (await login(a)).json().challenge;
    const me: AdminCredentials = credentialsFrom(await b.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(c.portalUrl) } }));
    a.clock.advance(30_000);
    const verified = await a.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: totpCode(a, secret), remember: true } });
    expect(verified.statusCode).toBe(200);
    let token = (await b.request({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })).json().completion.trustToken;
    for (const t of [a, b, a, b]) {
      const res = (await login(t, { trustToken: token })).json();
      expect(res.decision).toBe('allow');
      token = res.trustToken;
    }
    const session = credentialsFrom(verified);
    const device = (await b.request({ method: 'GET', url: '/api/v1/me/security', admin: session })).json().devices[0];
    expect((await a.request({ method: 'DELETE', url: `/api/v1/me/devices/${device.id}`, admin: session })).statusCode).toBe(204);
    expect((await b.request({ method: 'POST', url: '/api/v1/logins', bearer: key, body: { member: { externalId: 'alice' }, device: { id: 'laptop' }, client: { name: 'Jellyfin Web' }, trustToken: token } })).json().decision).toBe('challenge');
    expect((await login(a, { trustToken: token })).json().decision).toBe('challenge');
  });

  it('40 parallel approvals of one TV code, split over both instances: exactly one succeeds', async () => {
    if (!available) return;
    const c = (await login(a, {}, 'tv')).json().challenge;
    const sessions: { t: TestApp; me: AdminCredentials }[] = [];
    for (let i = 0; i < 40; i++) {
      const t = i % 2 ? a : b;
      sessions.push({ t, me: credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/pairing', body: { userCode: c.userCode } })) });
    }
    // Each of them proved it is Alice (the step itself is tested elsewhere): mark the sessions verified.
    await a.app.get(DataSource).query('UPDATE member_sessions SET verified_at = $1 WHERE pairing_challenge_id = $2', [a.clock.now().getTime(), c.id]);
    const answers = await Promise.all(sessions.map(({ t, me }) => t.request({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })));
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.statusCode !== 200).every((r) => r.json().error.code === 'pairing_code_invalid')).toBe(true);
    expect(await a.app.get(DataSource).query("SELECT COUNT(*)::int AS n FROM member_devices WHERE kind = 'paired'")).toEqual([{ n: 1 }]);
    const polled = (await b.request({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })).json();
    expect(polled).toMatchObject({ status: 'completed', completion: { trustToken: expect.stringMatching(/^lkd1\./) } });
    expect((await login(b, { trustToken: polled.completion.trustToken }, 'tv')).json().decision).toBe('allow');
  });

  it('a trust-key rotation on one instance is refused by the other at once', async () => {
    if (!available) return;
    const c = (await login(b, {}, 'phone')).json().challenge;
    const me = credentialsFrom(await a.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: linkOf(c.portalUrl) } }));
    a.clock.advance(30_000);
    await b.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: totpCode(b, secret), remember: true } });
    const token = (await a.request({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })).json().completion.trustToken;
    const rotated = (await a.request({ method: 'POST', url: '/api/v1/devices/rotate-trust-key', bearer: adminToken })).json();
    expect(rotated.devicesRevoked).toBeGreaterThanOrEqual(1);
    expect((await login(b, { trustToken: token }, 'phone')).json().decision).toBe('challenge');
  });

});
