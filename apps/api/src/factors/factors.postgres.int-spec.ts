import { memberSession, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { startSmtp } from '../testing/smtp';

/** The single-use promises again, on PostgreSQL (runs when PostgreSQL is reachable). */
describe('single use under concurrency, on PostgreSQL', () => {
  let available = false;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let t: TestApp | undefined;
  let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;

  beforeAll(async () => {
    available = await postgresReachable();
    if (!available) {
      // Written reason: no PostgreSQL on this machine; the same tests ran on SQLite in factors.security.
      console.warn('PostgreSQL not reachable: the PostgreSQL concurrency tests did not run.');
      return;
    }
    db = await createTestDatabase();
    smtp = await startSmtp();
    t = await startTestApp({
      DATABASE_URL: db.url,
      LATCHKEY_CHALLENGE_ATTEMPTS: '20',
      LATCHKEY_LOCKOUT_THRESHOLD: '100',
      LATCHKEY_SMTP_HOST: '127.0.0.1',
      LATCHKEY_SMTP_PORT: String(smtp.port),
      LATCHKEY_SMTP_SECURITY: 'none',
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await smtp?.close();
  });

  it('a TOTP code, a recovery code and an e-mail code spent by 20 parallel requests each succeed exactly once', async () => {
    if (!available || !t) return;
    const app = t;
    const key = (await registerServer(app, await setupOwner(app))).apiKey;
    let me = await memberSession(app, key);
    const start = (await app.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    const done = await app.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: totpCode(app, start.secret) } });
    const c = done.cookies.find((x) => x.name.endsWith('latchkey_member'));
    me = { cookie: `${c?.name}=${c?.value}`, csrfToken: done.json().csrfToken };
    const { codes } = (await app.request({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: me })).json();
    app.clock.advance(30_000);

    for (const [method, code] of [['totp', totpCode(app, start.secret)], ['recovery_code', codes[0]]] as const) {
      const challenges = await Promise.all(Array.from({ length: 20 }, () => app.request({ method: 'POST', url: '/api/v1/me/challenges', admin: me })));
      // Challenges of the pages session; verify them as the server-side flow would, without renewing the session in between.
      const results = await Promise.all(
        challenges.map((ch) => app.request({ method: 'POST', url: `/api/v1/me/challenges/${ch.json().id}/verify`, admin: me, body: { method, code } })),
      );
      expect({ method, successes: results.filter((r) => r.statusCode === 200).length }).toEqual({ method, successes: 1 });
      const winner = results.find((r) => r.statusCode === 200);
      const nc = winner?.cookies.find((x) => x.name.endsWith('latchkey_member'));
      me = { cookie: `${nc?.name}=${nc?.value}`, csrfToken: winner?.json().csrfToken };
    }

    const email = await app.request({ method: 'POST', url: '/api/v1/me/factors/email', admin: me, body: {} });
    const confirmed = await app.request({ method: 'POST', url: `/api/v1/me/factors/email/${email.json().factorId}/confirm`, admin: me, body: { code: smtp?.lastCode() } });
    const ec = confirmed.cookies.find((x) => x.name.endsWith('latchkey_member'));
    me = { cookie: `${ec?.name}=${ec?.value}`, csrfToken: confirmed.json().csrfToken };
    const ch = (await app.request({ method: 'POST', url: '/api/v1/me/challenges', admin: me })).json().id;
    await app.request({ method: 'POST', url: `/api/v1/me/challenges/${ch}/email`, admin: me });
    const code = smtp?.lastCode();
    const results = await Promise.all(Array.from({ length: 20 }, () => app.request({ method: 'POST', url: `/api/v1/me/challenges/${ch}/verify`, admin: me, body: { method: 'email', code } })));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });
});
