import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { memberSession, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { AuditService } from '../audit/audit.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { DashboardService } from './dashboard.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

const DAY = 86_400_000;

/** Four members: user-a enrolled an authenticator app, user-d is exempt, a policy for everyone. Returns an admin token. */
async function fourMembers(t: TestApp): Promise<string> {
  const owner = await setupOwner(t);
  const token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: owner, body: { name: 'test' } })).json().secret;
  const server = await registerServer(t, owner);
  await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: server.apiKey, body: { members: ['a', 'b', 'c', 'd'].map((x) => ({ externalId: x, username: `user-${x}` })) } });
  // user-a enrols an authenticator app.
  const me = await memberSession(t, server.apiKey, 'a');
  const start = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
  await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: totpCode(t, start.secret) } });
  const members = (await t.request({ method: 'GET', url: '/api/v1/members', bearer: token })).json().items as { id: string; username: string }[];
  await t.request({ method: 'POST', url: '/api/v1/exemptions', bearer: token, body: { memberId: members.find((m) => m.username === 'user-d')!.id, reason: 'No smartphone' } });
  await t.request({ method: 'POST', url: '/api/v1/policies', bearer: token, body: { name: 'Everyone', gracePeriodDays: 14, enabled: true } });
  return token;
}

describe('dashboards read rollups only', () => {
  let t: TestApp;
  let token: string;
  const get = (url: string) => t.request({ method: 'GET', url, bearer: token });

  beforeEach(async () => {
    t = await startTestApp();
    token = await fourMembers(t);
  });
  afterEach(() => t.close());

  it('adoption trend: one point per day from the scheduled snapshot (compliant, in grace, overdue, exempt)', async () => {
    const scheduler = t.app.get(SchedulerService);
    await scheduler.tick();
    t.clock.advance(DAY);
    await scheduler.tick();
    t.clock.advance(14 * DAY);
    await scheduler.tick();
    t.clock.advance(30 * 60_000);
    await scheduler.tick(); // same day, same hour: not run again; next hour refreshes the day's point
    const trend = (await get('/api/v1/dashboard/adoption-trend?days=30')).json();
    expect(trend.from).toBe('2026-02-15');
    expect(trend.to).toBe('2026-03-16');
    expect(trend.policies).toEqual([
      {
        policyId: expect.any(String),
        name: 'Everyone',
        points: [
          { day: '2026-03-01', compliant: 1, inGrace: 2, overdue: 0, exempt: 1 },
          { day: '2026-03-02', compliant: 1, inGrace: 2, overdue: 0, exempt: 1 },
          { day: '2026-03-16', compliant: 1, inGrace: 0, overdue: 2, exempt: 1 },
        ],
      },
    ]);
    expect((await get('/api/v1/dashboard/adoption-trend?days=1')).json().policies[0].points).toHaveLength(1);
  });

  it('event counts per day, type and outcome match the log, and survive the raw log being gone', async () => {
    const audit = t.app.get(AuditService);
    audit.recordSoon({ type: 'login.decision', outcome: 'allow_in_grace' });
    audit.recordSoon({ type: 'login.decision', outcome: 'allow_in_grace' });
    t.clock.advance(DAY);
    audit.recordSoon({ type: 'login.decision', outcome: 'enrol_required' });
    await audit.flush();
    const ds = t.app.get(DataSource);
    const fromLog = new Map<string, number>();
    for (const r of (await ds.query('SELECT at, type, outcome FROM audit_events')) as { at: number; type: string; outcome: string }[]) {
      const key = `${new Date(Number(r.at)).toISOString().slice(0, 10)} ${r.type} ${r.outcome}`;
      fromLog.set(key, (fromLog.get(key) ?? 0) + 1);
    }
    await ds.query('DELETE FROM audit_events');
    const counts = (await get('/api/v1/dashboard/events?days=7')).json();
    expect(counts.from).toBe('2026-02-24');
    expect(counts.items).toEqual(expect.arrayContaining([{ day: '2026-03-01', type: 'login.decision', outcome: 'allow_in_grace', count: 2 }, { day: '2026-03-02', type: 'login.decision', outcome: 'enrol_required', count: 1 }]));
    expect(new Map(counts.items.map((c: { day: string; type: string; outcome: string; count: number }) => [`${c.day} ${c.type} ${c.outcome}`, c.count]))).toEqual(fromLog);
  });

  it('adoption summary: overall, per policy, deadlines, factor mix, overdue members, recent failures; cached 5 min', async () => {
    const first = (await get('/api/v1/dashboard/adoption')).json();
    expect(first.members).toBe(4);
    expect(first.overall).toEqual({
      inScope: 4,
      compliant: 1,
      inGrace: 2,
      overdue: 0,
      exempt: 1,
      share: 1 / 3,
    });
    expect(first.policies).toEqual([
      {
        policyId: expect.any(String),
        name: 'Everyone',
        inScope: 4,
        compliant: 1,
        inGrace: 2,
        overdue: 0,
        exempt: 1,
        share: 1 / 3,
      },
    ]);
    expect(first.deadlines).toHaveLength(30);
    expect(first.deadlines[0].day).toBe('2026-03-01');
    expect(first.deadlines.find((d: { day: string }) => d.day === '2026-03-15')).toEqual({ day: '2026-03-15', count: 2 });
    expect(first.deadlines.reduce((n: number, d: { count: number }) => n + d.count, 0)).toBe(2);
    expect(first.factors).toEqual({ passkey: 0, totp: 1, email: 0, none: 3 });
    expect(first.overdueMembers).toEqual([]);

    // Fifteen days on, two members are overdue; a failed verification is counted.
    t.clock.advance(15 * DAY);
    t.app.get(AuditService).recordSoon({ type: 'verification', outcome: 'failure' });
    const stale = (await get('/api/v1/dashboard/adoption')).json();
    expect(stale.computedAt).toBe(first.computedAt); // served at once while a fresh one is computed
    await t.app.get(DashboardService).refreshSummary();
    const fresh = (await get('/api/v1/dashboard/adoption')).json();
    expect(fresh.computedAt).not.toBe(first.computedAt);
    expect(fresh.overall).toMatchObject({
      compliant: 1,
      inGrace: 0,
      overdue: 2,
      exempt: 1,
    });
    expect(fresh.overdueMembers.map((m: { username: string }) => m.username).sort()).toEqual(['user-b', 'user-c']);
    expect(fresh.recent).toEqual({
      days: 7,
      lockouts: 0,
      failedVerifications: 1,
    });
  });

  it('the hourly snapshot refreshes the cached summary too', async () => {
    const first = (await get('/api/v1/dashboard/adoption')).json();
    t.clock.advance(60_000);
    await t.app.get(SchedulerService).tick();
    const after = (await get('/api/v1/dashboard/adoption')).json();
    expect(Date.parse(after.computedAt) - Date.parse(first.computedAt)).toBe(60_000);
  });

  it('adoption summary per guarded library: the members in scope of the policies guarding it', async () => {
    const server = (await get('/api/v1/servers')).json().items[0] as { id: string };
    const key = (await t.request({ method: 'POST', url: `/api/v1/servers/${server.id}/api-key`, bearer: token })).json().apiKey as string;
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: key, body: { libraries: [{ externalId: 'movies', name: 'Movies' }] } });
    const movies = (await get('/api/v1/libraries')).json().items[0] as { id: string; name: string };
    await t.request({ method: 'POST', url: '/api/v1/policies', bearer: token, body: { name: 'Movies now', libraries: [movies.id], gracePeriodDays: 0, enabled: true } });
    const summary = (await get('/api/v1/dashboard/adoption')).json();
    expect(summary.libraries).toEqual([{ libraryId: movies.id, name: 'Movies', inScope: 4, compliant: 1, inGrace: 0, overdue: 2, exempt: 1, share: 1 / 3 }]);
    // Overall, a member overdue under any policy counts as overdue.
    expect(summary.overall).toMatchObject({ compliant: 1, overdue: 2, exempt: 1 });
  });

  it('adoption summary needs an admin', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/dashboard/adoption' })).statusCode).toBe(401);
  });

  it('refuses a window of 0 or more than 400 days', async () => {
    for (const q of ['days=0', 'days=401', 'days=x', 'since=2026-01-01']) {
      expect((await get(`/api/v1/dashboard/events?${q}`)).statusCode).toBe(400);
      expect((await get(`/api/v1/dashboard/adoption-trend?${q}`)).statusCode).toBe(400);
    }
  });
});

describe('adoption summary on PostgreSQL (runs when PostgreSQL is reachable)', () => {
  it('the worker reads PostgreSQL through its own connection and finds the same figures as on SQLite', async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL here; the SQLite suite above covered the summary.
      console.warn('PostgreSQL not reachable: the PostgreSQL adoption summary did not run.');
      return;
    }
    const db = await createTestDatabase();
    const apps = [await startTestApp(), await startTestApp({ DATABASE_URL: db.url })];
    try {
      const summaries = [];
      for (const t of apps) {
        const token = await fourMembers(t);
        t.clock.advance(15 * DAY);
        const { computedAt: _at, policies, overdueMembers, ...rest } = (await t.request({ method: 'GET', url: '/api/v1/dashboard/adoption', bearer: token })).json();
        summaries.push({ ...rest, policies: policies.map((p: { policyId?: string }) => ({ ...p, policyId: undefined })), overdue: overdueMembers.map((m: { username: string }) => m.username).sort() });
      }
      expect(summaries[1]).toEqual(summaries[0]);
      expect(summaries[1]).toMatchObject({ members: 4, overall: { compliant: 1, inGrace: 0, overdue: 2, exempt: 1 }, overdue: ['user-b', 'user-c'] });
    } finally {
      for (const t of apps) await t.close();
      await db.drop();
    }
  });
});

describe('a cold adoption summary does not hold the event loop', () => {
  const MEMBERS = 20_000;
  let t: TestApp;
  afterEach(() => t.close());

  it('health checks and login decisions are answered while the summary of 20,000 members is computed', async () => {
    t = await startTestApp();
    const owner = await setupOwner(t);
    const server = await registerServer(t, owner);
    const members = Array.from({ length: MEMBERS }, (_, i) => ({ externalId: `m${i}`, username: `member-${i}`, groups: [`g${i % 10}`] }));
    const groups = Array.from({ length: 10 }, (_, g) => ({ externalId: `g${g}`, name: `Group ${g}` }));
    expect((await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: server.apiKey, body: { members, groups, libraries: [] } })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/policies', admin: owner, body: { name: 'Everyone', gracePeriodDays: 14, enabled: true } })).statusCode).toBe(201);

    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    let computed = false;
    const cold = t.request({ method: 'GET', url: '/api/v1/dashboard/adoption', admin: owner }).finally(() => (computed = true));
    const answeredMeanwhile = { health: 0, logins: 0 };
    for (let i = 0; !computed; i++) {
      expect((await t.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      if (!computed) answeredMeanwhile.health++;
      const login = await t.request({ method: 'POST', url: '/api/v1/logins', bearer: server.apiKey, body: { member: { externalId: `m${i}` }, device: { id: `tv-${i}`, name: 'TV' }, client: { name: 'Jellyfin Web', version: '10.11' } } });
      expect(login.json().decision).toBe('allow_in_grace');
      if (!computed) answeredMeanwhile.logins++;
    }
    const took = performance.now() - started;
    loop.disable();

    expect(answeredMeanwhile.health).toBeGreaterThan(0);
    expect(answeredMeanwhile.logins).toBeGreaterThan(0);
    // Computed on this thread, the walk over 20,000 members would hold the loop for most of the computation.
    expect(loop.max / 1e6).toBeLessThan(took / 2);
    const summary = (await cold).json();
    expect(summary.members).toBe(MEMBERS);
    expect(summary.overall).toMatchObject({ inScope: MEMBERS, inGrace: MEMBERS });
  });
});

