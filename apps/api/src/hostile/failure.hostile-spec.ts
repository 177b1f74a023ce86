import Database from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AdminCredentials, memberSession, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { startSmtp } from '../testing/smtp';
import { errorShapeProblem, followMember, inject, newTally, report } from './kit';

/**
 * Failure while running, in-process: the database locked by someone else for longer than the busy
 * timeout, the database turned read-only, the mail server gone. Every request gets a fast, clear
 * answer (503 with a stable code), decisions fail closed, nothing is half-written, nothing is lost,
 * and the service recovers by itself.
 */
const tally = newTally();
afterAll(() => report('failure', { ...tally }));

const BUSY_MS = 200;

describe('a database locked longer than the busy timeout', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let serverKey: string;
  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_DB_BUSY_TIMEOUT_MS: String(BUSY_MS) });
    admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId: 'grace', username: 'grace' }, { externalId: 'free', username: 'free' }] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'All', enabled: true, gracePeriodDays: 14 } });
    const free = (await t.request({ method: 'GET', url: '/api/v1/members', admin })).json().items.find((m: { externalId: string }) => m.externalId === 'free');
    await t.request({ method: 'POST', url: '/api/v1/exemptions', admin, body: { memberId: free.id, reason: 'shared TV' } });
  });
  afterAll(() => t.close());

  it('answers 503 service_unavailable quickly, fails decisions closed, keeps every audit entry, and recovers', async () => {
    const member = await memberSession(t, serverKey, 'grace', null);
    const auditBefore = await t.app.get(DataSource).query('SELECT count(*) AS n FROM audit_events');
    const locker = new Database(t.config.database.kind === 'sqlite' ? t.config.database.file : '');
    locker.pragma(`busy_timeout = ${BUSY_MS}`);
    locker.exec('BEGIN IMMEDIATE');
    const attempts: [string, () => Promise<LightMyRequestResponse>][] = [
      ['a login decision that opens an enrolment link', () => inject(t, { method: 'POST', url: '/api/v1/logins', headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ member: { externalId: 'grace' }, device: { id: 'd' }, client: { name: 'c' } }) }, tally)],
      ['a login decision for a member never seen', () => inject(t, { method: 'POST', url: '/api/v1/logins', headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ member: { externalId: 'new', username: 'new' }, device: { id: 'd' }, client: { name: 'c' } }) }, tally)],
      ['an admin sign-in', () => inject(t, { method: 'POST', url: '/api/v1/admin/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery staple' }) }, tally)],
      ['starting an authenticator app', () => inject(t, { method: 'POST', url: '/api/v1/me/factors/totp', headers: { cookie: member.cookie, 'x-csrf-token': member.csrfToken } }, tally)],
      ['a challenge', () => inject(t, { method: 'POST', url: '/api/v1/me/challenges', headers: { cookie: member.cookie, 'x-csrf-token': member.csrfToken } }, tally)],
      ['a server registration', () => inject(t, { method: 'POST', url: '/api/v1/servers', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'Attic', kind: 'plex', baseUrl: 'http://plex.lan:32400' }) }, tally)],
    ];
    try {
      for (const [label, attempt] of attempts) {
        const started = Date.now();
        const res = await attempt();
        const ms = Date.now() - started;
        expect({ label, status: res.statusCode, code: JSON.parse(res.body).error?.code, shape: errorShapeProblem(res), fast: ms < BUSY_MS * 10 }).toEqual({ label, status: 503, code: 'service_unavailable', shape: null, fast: true });
      }
      // A decision that needs no write still answers — from the policies, not from the failure.
      const exempt = await inject(t, { method: 'POST', url: '/api/v1/logins', headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ member: { externalId: 'free' }, device: { id: 'd' }, client: { name: 'c' } }) }, tally);
      expect(exempt.json()).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ code: 'exempt' })] });
      // Its audit entry's group commit runs into the lock too.
      await t.app.get(AuditService).flush();
      expect((await inject(t, { method: 'GET', url: '/healthz' }, tally)).statusCode).toBe(200);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    // Recovery: the same requests work again, and the decision taken during the outage was audited after all.
    const again = await t.request({ method: 'POST', url: '/api/v1/logins', bearer: serverKey, body: { member: { externalId: 'grace' }, device: { id: 'd' }, client: { name: 'c' } } });
    expect(again.json().decision).toBe('allow_in_grace');
    const verify = await t.request({ method: 'GET', url: '/api/v1/audit/verify', admin });
    expect(verify.json()).toMatchObject({ ok: true });
    const decisions: { n: number }[] = await t.app.get(DataSource).query("SELECT count(*) AS n FROM audit_events WHERE type = 'login.decision' AND outcome = 'allow'");
    expect(Number(decisions[0]?.n)).toBe(1);
    const after: { n: number }[] = await t.app.get(DataSource).query('SELECT count(*) AS n FROM audit_events');
    expect(Number(after[0]?.n)).toBeGreaterThan(Number(auditBefore[0].n));
    expect((await t.app.get(DataSource).query('PRAGMA integrity_check'))[0].integrity_check).toBe('ok');
  });
});

describe('a database that turns read-only', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
  });
  afterAll(() => t.close());

  it('refuses writes with 503, keeps serving reads, and picks up again when writable', async () => {
    const ds = t.app.get(DataSource);
    await ds.query('PRAGMA query_only = ON');
    try {
      const write = await inject(t, { method: 'POST', url: '/api/v1/servers', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'Attic', kind: 'plex', baseUrl: 'http://plex.lan:32400' }) }, tally);
      expect({ status: write.statusCode, code: write.json().error?.code, shape: errorShapeProblem(write) }).toEqual({ status: 503, code: 'service_unavailable', shape: null });
      expect((await inject(t, { method: 'GET', url: '/api/v1/servers', headers: { cookie: admin.cookie } }, tally)).statusCode).toBe(200);
    } finally {
      await ds.query('PRAGMA query_only = OFF');
    }
    expect((await t.request({ method: 'POST', url: '/api/v1/servers', admin, body: { name: 'Attic', kind: 'plex', baseUrl: 'http://plex.lan:32400' } })).statusCode).toBe(201);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', admin })).json().items).toHaveLength(1);
    expect((await ds.query('PRAGMA integrity_check'))[0].integrity_check).toBe('ok');
  });
});

describe('the mail server goes down', () => {
  it('e-mail codes fail clearly with 503 email_unavailable (not a 500), other factors keep working', async () => {
    const smtp = await startSmtp();
    const t = await startTestApp({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none' });
    try {
      const admin = await setupOwner(t);
      const key = (await registerServer(t, admin)).apiKey;
      let me = await memberSession(t, key);
      const start = await t.request({ method: 'POST', url: '/api/v1/me/factors/email', admin: me, body: {} });
      me = followMember(me, await t.request({ method: 'POST', url: `/api/v1/me/factors/email/${start.json().factorId}/confirm`, admin: me, body: { code: smtp.lastCode() } }));
      await smtp.close();
      const c = (await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: me })).json().id;
      for (const [label, req] of [
        ['sending a code for a challenge', { method: 'POST' as const, url: `/api/v1/me/challenges/${c}/email` }],
        ['adding another address', { method: 'POST' as const, url: '/api/v1/me/factors/email', body: { email: 'second@example.com' } }],
      ] as const) {
        const started = Date.now();
        const res = await inject(t, { method: req.method, url: req.url, headers: { cookie: me.cookie, 'x-csrf-token': me.csrfToken, ...('body' in req ? { 'content-type': 'application/json' } : {}) }, payload: 'body' in req ? JSON.stringify(req.body) : undefined }, tally);
        expect({ label, status: res.statusCode, code: res.json().error?.code, shape: errorShapeProblem(res), fast: Date.now() - started < 5_000 }).toEqual({ label, status: 503, code: 'email_unavailable', shape: null, fast: true });
      }
      // The member can still do everything that needs no mail.
      expect((await t.request({ method: 'GET', url: '/api/v1/me/factors', admin: me })).statusCode).toBe(200);
      expect((await t.request({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: me })).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });
});
