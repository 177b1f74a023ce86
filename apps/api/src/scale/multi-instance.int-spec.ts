import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { FakeClock } from '../common/clock';
import { AdminCredentials, credentialsFrom, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { HttpAnswer, HttpClient, listenOnLoopback } from '../testing/http';
import { oathtoolCode } from '../testing/oathtool';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { startSmtp } from '../testing/smtp';

/** Parallel requests per single-use race, split evenly over the two instances. */
const PARALLEL = 40;
/** Consecutive failed verifications that lock a member out: the attempt after them is refused (LATCHKEY_LOCKOUT_THRESHOLD). */
const LOCKOUT_THRESHOLD = 40;
const LOCKOUT_MINUTES = 15;
/** How long an instance may repeat a forward-auth answer another instance has made stale (README). */
const FORWARD_AUTH_CACHE_SECONDS = 5;
const HOST = 'media.example.test';

// Each race is 40 requests and a recovery-code race 40 slow hashes: room for a busy machine running every suite at once.
jest.setTimeout(90_000);

/**
 * The scale-out promises, checked the way an owner runs them: two Latchkey instances (separate Nest apps,
 * each with its own connection pool, the same keys and the same clock) on one fresh PostgreSQL database,
 * driven over real HTTP on loopback, requests alternating between them as a load balancer would.
 *
 * Elsewhere, also across two instances on PostgreSQL: reminders go out once (reminders.int-spec), scheduled
 * jobs run once (scheduler.int-spec), notifications are delivered once (notification-worker.concurrency),
 * migrations run once (database.int-spec), the audit chain stays whole (audit.int-spec), and a trust-key
 * rotation is refused at once (devices.multi-instance).
 */
describe('two instances on one PostgreSQL database, over HTTP', () => {
  let available = false;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
  const apps: TestApp[] = [];
  const clients: HttpClient[] = [];
  const clock = new FakeClock(new Date('2026-03-01T12:00:00Z'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-scale-'));
  let key: string;
  let adminToken: string;
  let members = 0;

  /** Request `i` goes to instance A when even, to B when odd. */
  const via = (i: number): HttpClient => clients[i % 2] as HttpClient;
  const sql = <T>(query: string, params: unknown[] = []): Promise<T[]> => (apps[0] as TestApp).app.get(DataSource).query(query, params);

  beforeAll(async () => {
    available = await postgresReachable();
    if (!available) {
      // Written reason: no PostgreSQL on this machine (and not in CI, where this fails instead).
      console.warn('PostgreSQL not reachable: the multi-instance matrix did not run.');
      return;
    }
    db = await createTestDatabase();
    smtp = await startSmtp();
    const env = {
      DATABASE_URL: db.url,
      LATCHKEY_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
      LATCHKEY_LOCKOUT_MINUTES: String(LOCKOUT_MINUTES),
      LATCHKEY_CHALLENGE_ATTEMPTS: '20',
      // Every request comes from 127.0.0.1: the per-address limits are not what these tests are about.
      LATCHKEY_IP_ATTEMPTS_PER_15_MIN: '100000',
      LATCHKEY_PAIRING_ATTEMPTS_PER_IP_PER_HOUR: '100000',
      LATCHKEY_SMTP_HOST: '127.0.0.1',
      LATCHKEY_SMTP_PORT: String(smtp.port),
      LATCHKEY_SMTP_SECURITY: 'none',
      LATCHKEY_TRUSTED_PROXIES: 'loopback',
      LATCHKEY_PUBLIC_URL: 'http://mfa.example.test',
      LATCHKEY_FORWARD_AUTH_CACHE_SECONDS: String(FORWARD_AUTH_CACHE_SECONDS),
    };
    for (let i = 0; i < 2; i++) {
      const t = await startTestApp(env, { dataDir, clock });
      apps.push(t);
      clients.push((await listenOnLoopback(t)).client);
    }
    const admin = await setupOwner(apps[0] as TestApp);
    const server = await registerServer(apps[0] as TestApp, admin);
    key = server.apiKey;
    adminToken = (await via(1)({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    expect((await via(0)({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, bearer: adminToken, body: { forwardAuthHosts: [HOST] } })).statusCode).toBe(200);
    expect((await via(1)({ method: 'POST', url: '/api/v1/policies', bearer: adminToken, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await db?.drop();
    await smtp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  interface Member {
    externalId: string;
    email: string;
    secret: string;
    /** A pages session that has just verified (it may change factors). */
    me: AdminCredentials;
  }

  /** A new member of the media server with an authenticator app (enrolled across both instances). */
  async function newMember(): Promise<Member> {
    const externalId = `member-${++members}`;
    const email = `${externalId}@example.com`;
    await via(members)({ method: 'PATCH', url: '/api/v1/directory', bearer: key, body: { members: [{ externalId, username: externalId, email }] } });
    const [pages] = await sessions(externalId, 1);
    const started = (await via(1)({ method: 'POST', url: '/api/v1/me/factors/totp', admin: pages })).json();
    const confirmed = await via(0)({ method: 'POST', url: `/api/v1/me/factors/totp/${started.factorId}/confirm`, admin: pages, body: { code: oathtoolCode(started.secret, clock.now()) } });
    expect(confirmed.statusCode).toBe(200);
    return { externalId, email, secret: started.secret, me: credentialsFrom(confirmed) };
  }

  /** `n` member-pages sessions of one member, each from its own link, opened alternately on A and B. */
  function sessions(externalId: string, n: number): Promise<AdminCredentials[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const link = await via(i)({ method: 'POST', url: `/api/v1/directory/members/${externalId}/links`, bearer: key, body: { purpose: 'manage' } });
        const started = await via(i + 1)({ method: 'POST', url: '/api/v1/portal/session', body: { link: new URL(link.json().url).hash.slice('#link='.length) } });
        expect(started.statusCode).toBe(201);
        return credentialsFrom(started);
      }),
    );
  }

  /** A step-up challenge for each session, created on alternating instances. */
  const stepUps = (list: AdminCredentials[]) =>
    Promise.all(list.map(async (me, i) => (await via(i)({ method: 'POST', url: '/api/v1/me/challenges', admin: me })).json().id as string));

  /** Exactly one answer succeeded; every other one is the same generic refusal. */
  function expectExactlyOneSuccess(answers: HttpAnswer[], refusal: string, success = 200): HttpAnswer {
    const won = answers.filter((r) => r.statusCode === success);
    const lost = answers.filter((r) => r.statusCode !== success).map((r) => `${r.statusCode} ${r.json().error.code}`);
    expect({ successes: won.length, refusals: lost }).toEqual({ successes: 1, refusals: Array(answers.length - 1).fill(refusal) });
    return won[0] as HttpAnswer;
  }

  /** A code none of the authenticator's steps around now (±1) gives. */
  function wrongCode(secret: string): string {
    const valid = [-30_000, 0, 30_000].map((d) => oathtoolCode(secret, new Date(clock.now().getTime() + d)));
    return ['123456', '654321', '111111'].find((c) => !valid.includes(c)) as string;
  }

  const login = (i: number, externalId: string, deviceId: string, trustToken?: string) =>
    via(i)({ method: 'POST', url: '/api/v1/logins', bearer: key, body: { member: { externalId }, device: { id: deviceId, name: deviceId }, client: { name: 'Jellyfin Web' }, ...(trustToken ? { trustToken } : {}) } });

  it('a TOTP time step used by 40 parallel verifications over both instances succeeds exactly once', async () => {
    if (!available) return;
    const m = await newMember();
    const list = await sessions(m.externalId, PARALLEL);
    const ids = await stepUps(list);
    clock.advance(30_000);
    const code = oathtoolCode(m.secret, clock.now());
    const answers = await Promise.all(list.map((me, i) => via(i + 1)({ method: 'POST', url: `/api/v1/me/challenges/${ids[i]}/verify`, admin: me, body: { method: 'totp', code } })));
    expectExactlyOneSuccess(answers, '400 verification_failed');
  });

  it('a recovery code spent by 40 parallel verifications over both instances succeeds exactly once', async () => {
    if (!available) return;
    const m = await newMember();
    const { codes } = (await via(0)({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: m.me })).json();
    const list = await sessions(m.externalId, PARALLEL);
    const ids = await stepUps(list);
    const answers = await Promise.all(list.map((me, i) => via(i)({ method: 'POST', url: `/api/v1/me/challenges/${ids[i]}/verify`, admin: me, body: { method: 'recovery_code', code: codes[0] } })));
    expectExactlyOneSuccess(answers, '400 verification_failed');
    expect(await sql('SELECT COUNT(*)::int AS n FROM recovery_codes WHERE used_at IS NOT NULL')).toEqual([{ n: 1 }]);
  });

  it('an e-mail code used by 40 parallel verifications over both instances succeeds exactly once', async () => {
    if (!available || !smtp) return;
    const m = await newMember();
    const started = await via(1)({ method: 'POST', url: '/api/v1/me/factors/email', admin: m.me, body: {} });
    expect(started.statusCode).toBe(201);
    const confirmed = await via(0)({ method: 'POST', url: `/api/v1/me/factors/email/${started.json().factorId}/confirm`, admin: m.me, body: { code: smtp.lastCode(m.email) } });
    expect(confirmed.statusCode).toBe(200);
    const list = await sessions(m.externalId, PARALLEL);
    const [id] = await stepUps(list.slice(0, 1));
    expect((await via(1)({ method: 'POST', url: `/api/v1/me/challenges/${id}/email`, admin: list[0] })).statusCode).toBe(200);
    const code = smtp.lastCode(m.email);
    const answers = await Promise.all(list.map((me, i) => via(i)({ method: 'POST', url: `/api/v1/me/challenges/${id}/verify`, admin: me, body: { method: 'email', code } })));
    expectExactlyOneSuccess(answers, '400 verification_failed');
  });

  it('a TV code approved by 40 parallel requests over both instances pairs exactly one device', async () => {
    if (!available) return;
    const m = await newMember();
    const c = (await login(0, m.externalId, 'tv')).json().challenge;
    const list: AdminCredentials[] = [];
    for (let i = 0; i < PARALLEL; i++) {
      list.push(credentialsFrom(await via(i)({ method: 'POST', url: '/api/v1/pairing', body: { userCode: c.userCode } })));
    }
    // Each of them proved it is this member (the second factor is tested above): mark the sessions verified.
    await sql('UPDATE member_sessions SET verified_at = $1 WHERE pairing_challenge_id = $2', [clock.now().getTime(), c.id]);
    const answers = await Promise.all(list.map((me, i) => via(i + 1)({ method: 'POST', url: '/api/v1/me/pairing/approve', admin: me })));
    expectExactlyOneSuccess(answers, '400 pairing_code_invalid');
    expect(await sql("SELECT COUNT(*)::int AS n FROM member_devices WHERE kind = 'paired' AND device_id = 'tv' AND revoked_at IS NULL")).toEqual([{ n: 1 }]);
  });

  it('a sign-in challenge answered by 40 parallel valid codes over both instances completes exactly once, with one completion for both', async () => {
    if (!available) return;
    const m = await newMember();
    const { codes } = (await via(1)({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: m.me })).json();
    const c = (await login(1, m.externalId, 'laptop')).json().challenge;
    const list = await sessions(m.externalId, PARALLEL);
    clock.advance(30_000);
    // Thirteen different codes that would each complete it: every recovery code, and three TOTP steps (±1).
    const valid: { method: string; code: string }[] = [
      ...codes.map((code: string) => ({ method: 'recovery_code', code })),
      ...[-30_000, 0, 30_000].map((d) => ({ method: 'totp', code: oathtoolCode(m.secret, new Date(clock.now().getTime() + d)) })),
    ];
    const answers = await Promise.all(list.map((me, i) => via(i)({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { ...valid[i % valid.length], remember: true } })));
    expectExactlyOneSuccess(answers, '400 verification_failed');
    expect(await sql("SELECT COUNT(*)::int AS n FROM member_devices WHERE device_id = 'laptop' AND revoked_at IS NULL")).toEqual([{ n: 1 }]);

    const polls = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => via(i)({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })));
    const completions = polls.map((p) => p.json().completion);
    expect(polls.every((p) => p.json().status === 'completed')).toBe(true);
    expect(new Set(completions.map((x) => JSON.stringify(x))).size).toBe(1);
    expect(completions[0]).toMatchObject({ memberExternalId: m.externalId, deviceId: 'laptop', token: expect.stringMatching(/^v1\./), trustToken: expect.any(String) });
  });

  it('failures spread over both instances lock the member out at the same threshold as on one', async () => {
    if (!available) return;
    const m = await newMember();
    /** One verification on instance `i`, on a challenge of its own (the member's count is what is shared). */
    const attempt = async (i: number, me: AdminCredentials, code: string) => {
      const id = (await via(i + 1)({ method: 'POST', url: '/api/v1/me/challenges', admin: me })).json().id;
      const res = await via(i)({ method: 'POST', url: `/api/v1/me/challenges/${id}/verify`, admin: me, body: { method: 'totp', code } });
      return `${res.statusCode}${res.statusCode === 200 ? '' : ` ${res.json().error.code}`}`;
    };
    const fail = async (me: AdminCredentials, n: number) => {
      for (let i = 0; i < n; i++) expect(await attempt(i, me, wrongCode(m.secret))).toBe('400 verification_failed');
    };

    // One failure short of the threshold, alternating between the instances: the right code still gets in (and resets the count).
    const [first] = (await sessions(m.externalId, 1)) as [AdminCredentials];
    await fail(first, LOCKOUT_THRESHOLD - 1);
    clock.advance(30_000);
    expect(await attempt(1, first, oathtoolCode(m.secret, clock.now()))).toBe('200');
    // The threshold, alternating: the member is locked out on both instances, even with the right code.
    const [second] = (await sessions(m.externalId, 1)) as [AdminCredentials];
    await fail(second, LOCKOUT_THRESHOLD);
    clock.advance(30_000);
    for (const i of [0, 1]) expect(await attempt(i, second, oathtoolCode(m.secret, clock.now()))).toBe('400 verification_failed');
    const denied = await sql<{ details: string }>(
      "SELECT a.details FROM audit_events a JOIN members m ON m.id = a.member_id WHERE m.external_id = $1 AND a.type = 'verification' AND a.outcome = 'denied' ORDER BY a.seq",
      [m.externalId],
    );
    expect(denied.map((d) => JSON.parse(d.details).reason)).toEqual(['lockout', 'lockout']);
    // The lock ends at the same moment for both.
    clock.advance(LOCKOUT_MINUTES * 60_000);
    expect(await attempt(0, second, oathtoolCode(m.secret, clock.now()))).toBe('200');
  });

  it('a device revoked on one instance is refused by both at once', async () => {
    if (!available) return;
    const m = await newMember();
    const c = (await login(0, m.externalId, 'phone')).json().challenge;
    clock.advance(30_000);
    const verified = await via(1)({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: m.me, body: { method: 'totp', code: oathtoolCode(m.secret, clock.now()), remember: true } });
    expect(verified.statusCode).toBe(200);
    let token = (await via(0)({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })).json().completion.trustToken;
    for (const i of [0, 1]) {
      const res = (await login(i, m.externalId, 'phone', token)).json();
      expect(res.decision).toBe('allow');
      token = res.trustToken;
    }
    const me = credentialsFrom(verified);
    const device = (await via(1)({ method: 'GET', url: '/api/v1/me/security', admin: me })).json().devices.find((d: { deviceName: string }) => d.deviceName === 'phone');
    expect((await via(0)({ method: 'DELETE', url: `/api/v1/me/devices/${device.id}`, admin: me })).statusCode).toBe(204);
    for (const i of [1, 0]) expect((await login(i, m.externalId, 'phone', token)).json().decision).toBe('challenge');
  });

  it(`a signed-out forward-auth session is refused by the instance that signed it out at once, and by the other within ${FORWARD_AUTH_CACHE_SECONDS} s`, async () => {
    if (!available) return;
    const m = await newMember();
    // The proxy cookie holds a member session like the pages' own (forward-auth/proxy-session.ts); this one has just verified.
    const cookie = `latchkey_proxy=${m.me.cookie.split('=')[1]}`;
    const ask = (i: number) => via(i)({ method: 'GET', url: '/api/v1/forward-auth', headers: { 'x-original-url': `https://${HOST}/web/index.html`, 'x-original-method': 'GET', cookie } });
    for (const i of [0, 1, 0, 1]) expect((await ask(i)).statusCode).toBe(200);
    const memberId = (await sql<{ id: string }>('SELECT id FROM members WHERE external_id = $1', [m.externalId]))[0]?.id;
    expect((await via(0)({ method: 'POST', url: `/api/v1/members/${memberId}/sign-out`, bearer: adminToken })).statusCode).toBe(200);
    expect((await ask(0)).statusCode).toBe(401);
    // Instance B may repeat its remembered answer (200) until it runs out — never longer.
    clock.advance(FORWARD_AUTH_CACHE_SECONDS * 1000);
    expect((await ask(1)).statusCode).toBe(401);
    expect((await ask(0)).statusCode).toBe(401);
  });
});
