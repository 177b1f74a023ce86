import { registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { AuditService } from './audit.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

type TestDatabase = { env: Record<string, string>; drop: () => Promise<void> } | null;
const databases: [string, () => Promise<TestDatabase>][] = [
  ['SQLite', async () => ({ env: {}, drop: async () => undefined })],
  [
    'PostgreSQL (when reachable)',
    async () => {
      if (!(await postgresReachable())) return null;
      const db = await createTestDatabase();
      return { env: { DATABASE_URL: db.url }, drop: db.drop };
    },
  ],
];

describe.each(databases)('audit query and export on %s', (_, database) => {
  let db: TestDatabase;
  let t: TestApp;
  let token: string;
  let alice: string;
  let bob: string;
  let carol: string;
  const get = (url: string) => t.request({ method: 'GET', url, bearer: token });

  beforeAll(async () => {
    db = await database();
    if (!db) {
      // Written reason: no PostgreSQL here; the SQLite suite ran.
      console.warn('PostgreSQL not reachable: the PostgreSQL audit query tests did not run.');
      db = { env: {}, drop: async () => undefined };
    }
    t = await startTestApp(db.env);
    const admin = await setupOwner(t);
    token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'audit' } })).json().secret;
    const den = await registerServer(t, admin, 'Den');
    const attic = await registerServer(t, admin, 'Attic');
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: den.apiKey, body: { members: [{ externalId: 'a', username: 'alice' }, { externalId: 'b', username: 'bob' }] } });
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: attic.apiKey, body: { members: [{ externalId: 'c', username: '=cmd|calc' }] } });
    const members = (await t.request({ method: 'GET', url: '/api/v1/members', bearer: token })).json().items as { id: string; username: string; serverId: string }[];
    [alice, bob, carol] = ['alice', 'bob', '=cmd|calc'].map((u) => members.find((m) => m.username === u)!.id) as [string, string, string];
    const audit = t.app.get(AuditService);
    t.clock.set(new Date('2026-03-02T00:00:00Z'));
    for (let i = 0; i < 30; i++) {
      const memberId = [alice, bob, carol][i % 3]!;
      await audit.record({ type: i % 2 ? 'factor.added' : 'verification', outcome: i % 5 ? 'success' : 'failure', memberId, details: { i, deviceName: 'TV\nforged,"line"' } });
      t.clock.advance(3_600_000);
    }
  });
  afterAll(async () => {
    await t.close();
    await db?.drop();
  });

  it('filters by member, server, type family, outcome and time', async () => {
    const byMember = (await get(`/api/v1/audit?memberId=${alice}&limit=500`)).json();
    expect(byMember.items).toHaveLength(10);
    expect(byMember.items.every((e: { memberId: string; memberUsername: string }) => e.memberId === alice && e.memberUsername === 'alice')).toBe(true);

    const servers = (await get('/api/v1/servers')).json().items as { id: string; name: string }[];
    const den = servers.find((s) => s.name === 'Den')!.id;
    const byServer = (await get(`/api/v1/audit?serverId=${den}&limit=500`)).json().items as { memberId: string; serverId: string }[];
    expect(byServer).toHaveLength(20);
    expect(new Set(byServer.map((e) => e.memberId))).toEqual(new Set([alice, bob]));
    expect(byServer.every((e) => e.serverId === den)).toBe(true);

    const factors = (await get('/api/v1/audit?type=factor.*&limit=500')).json().items as { type: string }[];
    expect(factors.length).toBeGreaterThanOrEqual(15);
    expect(factors.every((e) => e.type.startsWith('factor.'))).toBe(true);
    const both = (await get('/api/v1/audit?type=verification,factor.added&outcome=failure&limit=500')).json().items as { type: string; outcome: string }[];
    expect(both).toHaveLength(6);

    const window = (await get('/api/v1/audit?from=2026-03-02T05:00:00Z&to=2026-03-02T08:00:00Z&type=verification,factor.added')).json().items as { at: string; details: { i: number } }[];
    expect(window.map((e) => e.details.i)).toEqual([7, 6, 5]);
  });

  it('pages newest first with an opaque cursor that stays stable while entries are added', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    const audit = t.app.get(AuditService);
    do {
      const res = await get(`/api/v1/audit?type=verification,factor.added&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.items.map((e: { details: { i: number } }) => e.details.i));
      cursor = page.nextCursor;
      // New entries arrive between pages: they are newer than the cursor and never shift what follows.
      await audit.record({ type: 'verification', outcome: 'success', memberId: alice, details: { i: 100 + seen.length } });
      audit.recordSoon({ type: 'factor.added', outcome: 'success', memberId: bob, details: { i: 200 + seen.length } });
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, k) => 29 - k));
  });

  it('refuses a forged cursor, an empty time range and unknown filters with 400', async () => {
    for (const url of [
      '/api/v1/audit?cursor=bm90LWEtY3Vyc29y',
      '/api/v1/audit?cursor=%00',
      '/api/v1/audit?from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z',
      '/api/v1/audit?type=DROP%20TABLE',
      '/api/v1/audit?memberId=alice',
      '/api/v1/audit?limit=100000',
      '/api/v1/audit?sort=asc',
      '/api/v1/audit/export?format=xlsx',
    ]) {
      const res = await get(url);
      expect({ url, status: res.statusCode, code: res.json().error.code }).toEqual({ url, status: 400, code: 'validation_failed' });
    }
  });

  it('exports CSV oldest first, one physical line per entry, formulas defused; the export is audited', async () => {
    const res = await get(`/api/v1/audit/export?format=csv&memberId=${carol}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="latchkey-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = res.body.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('seq,at,type,outcome,member_id,member_username,server_id,admin_id,ip,details');
    expect(lines).toHaveLength(11);
    expect(res.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(lines[1]).toContain(`"'=cmd|calc"`);
    expect(lines[1]).toContain('TV\\nforged,\\""line\\""');
    const seqs = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const exported = (await get('/api/v1/audit?type=audit.exported')).json().items;
    expect(exported[0]).toMatchObject({ type: 'audit.exported', details: { format: 'csv', filter: { memberId: carol } } });
  });

  it('exports JSON: a valid array with the same filters', async () => {
    const res = await get(`/api/v1/audit/export?format=json&memberId=${bob}&outcome=failure`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const items = JSON.parse(res.body) as { memberId: string; outcome: string; details: { deviceName: string } }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((e) => e.memberId === bob && e.outcome === 'failure')).toBe(true);
    expect(items[0]!.details.deviceName).toBe('TV\nforged,"line"');
  });

  it('only admins with audit access may read or export', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/export?format=json' })).statusCode).toBe(401);
  });
});
