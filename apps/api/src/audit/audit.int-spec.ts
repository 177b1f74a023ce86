import { DataSource } from 'typeorm';
import { registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { AuditService } from './audit.service';

async function writeSome(t: TestApp, n: number): Promise<void> {
  const audit = t.app.get(AuditService);
  await Promise.all(Array.from({ length: n }, (_, i) => audit.record({ type: 'test.event', outcome: 'info', details: { i, note: 'line one\nline two' } })));
  for (let i = 0; i < n; i++) audit.recordSoon({ type: 'login.decision', outcome: 'allow', details: { i } });
  await audit.flush();
}

describe('audit hash chain', () => {
  let t: TestApp;
  let token: string;
  const verify = async () => (await t.request({ method: 'GET', url: '/api/v1/audit/verify', bearer: token })).json();

  beforeEach(async () => {
    t = await startTestApp();
    const admin = await setupOwner(t);
    await registerServer(t, admin);
    token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'audit' } })).json().secret;
  });
  afterEach(() => t.close());

  it('parallel writes and group commits keep one unbroken chain', async () => {
    await writeSome(t, 20);
    const check = await verify();
    expect(check).toMatchObject({ ok: true, firstBreak: null });
    expect(check.checked).toBeGreaterThanOrEqual(40);
    const seqs = (await t.app.get(DataSource).query('SELECT seq FROM audit_events ORDER BY seq')).map((r: { seq: number | string }) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
  });

  it('an edited entry is detected, at that entry', async () => {
    await writeSome(t, 5);
    const ds = t.app.get(DataSource);
    const [victim] = await ds.query("SELECT id, seq FROM audit_events WHERE type = 'test.event' ORDER BY seq LIMIT 1");
    await ds.query("UPDATE audit_events SET outcome = 'success' WHERE id = ?", [victim.id]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(victim.seq), id: victim.id, reason: 'its content was changed' } });
  });

  it('a deleted entry is detected, even when the rest is rewritten to hide it', async () => {
    await writeSome(t, 5);
    const ds = t.app.get(DataSource);
    const [victim] = await ds.query('SELECT id, seq FROM audit_events ORDER BY seq DESC LIMIT 1 OFFSET 3');
    await ds.query('DELETE FROM audit_events WHERE id = ?', [victim.id]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(victim.seq), reason: `entry ${victim.seq} is missing` } });
    // Renumbering the later entries to close the gap still breaks the chain of hashes.
    await ds.query('UPDATE audit_events SET seq = seq - 1 WHERE seq > ?', [victim.seq]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(victim.seq), reason: 'does not follow the entry before it' } });
  });

  it('only admins with audit access may verify', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/verify' })).statusCode).toBe(401);
  });
});

describe('audit hash chain on PostgreSQL (runs when PostgreSQL is reachable)', () => {
  it('concurrent writers across two instances keep one unbroken chain', async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL here; the SQLite suite above ran.
      console.warn('PostgreSQL not reachable: the PostgreSQL audit chain test did not run.');
      return;
    }
    const db = await createTestDatabase();
    const a = await startTestApp({ DATABASE_URL: db.url });
    const b = await startTestApp({ DATABASE_URL: db.url }, { dataDir: a.dataDir });
    try {
      await Promise.all([writeSome(a, 15), writeSome(b, 15)]);
      await expect(a.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true, checked: 60 });
    } finally {
      await b.close();
      await a.close();
      await db.drop();
    }
  });
});
