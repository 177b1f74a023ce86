import { DataSource } from 'typeorm';
import { setupOwner, startTestApp, TestApp } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { SchedulerService } from '../scheduler/scheduler.service';
import { AuditService } from './audit.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

const DAY = 86_400_000;

describe('audit retention keeps the chain verifiable', () => {
  let t: TestApp;
  let audit: AuditService;
  let ds: DataSource;
  let token: string;
  const verify = async () => (await t.request({ method: 'GET', url: '/api/v1/audit/verify', bearer: token })).json();
  /** n entries, one day apart, starting now. */
  const writeDaily = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await audit.record({ type: 'test.event', outcome: 'info', details: { i } });
      t.clock.advance(DAY);
    }
  };

  beforeEach(async () => {
    t = await startTestApp({ LATCHKEY_AUDIT_RETENTION_DAYS: '30' });
    audit = t.app.get(AuditService);
    ds = t.app.get(DataSource);
    const admin = await setupOwner(t);
    token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'audit' } })).json().secret;
  });
  afterEach(() => t.close());

  it('a tampered entry is reported exactly; after pruning the chain verifies from the checkpoint; tampering after the prune is still caught', async () => {
    const start = t.clock.now();
    await writeDaily(10);
    const [victim] = await ds.query("SELECT id, seq FROM audit_events WHERE type = 'test.event' ORDER BY seq LIMIT 1 OFFSET 7");
    await ds.query('UPDATE audit_events SET details = ? WHERE id = ?', ['{"i":700}', victim.id]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(victim.seq), id: victim.id, reason: 'its content was changed' } });
    await ds.query('UPDATE audit_events SET details = ? WHERE id = ?', ['{"i":7}', victim.id]);
    expect(await verify()).toMatchObject({ ok: true, checkpoint: null });

    // Prune everything older than day 5 (the set-up entries and the first five test entries).
    const cutoff = new Date(start.getTime() + 5 * DAY);
    const { count } = (await ds.query('SELECT COUNT(*) AS count FROM audit_events WHERE at < ?', [cutoff.getTime()]))[0];
    await expect(audit.prune(cutoff, 3)).resolves.toEqual({ pruned: Number(count), refused: null });
    const remaining = await ds.query('SELECT MIN(seq) AS first FROM audit_events');
    const check = await verify();
    expect(check).toMatchObject({ ok: true, firstBreak: null, checkpoint: { throughSeq: Number(remaining[0].first) - 1, prunedEntries: Number(count) } });
    // Batches of 3: one confirming entry per batch.
    expect(await ds.query("SELECT COUNT(*) AS n FROM audit_events WHERE type = 'audit.pruned'")).toEqual([{ n: Math.ceil(Number(count) / 3) }]);

    // The first entry after the checkpoint, and a later one, are still protected.
    const [first] = await ds.query('SELECT id, seq FROM audit_events ORDER BY seq LIMIT 1');
    await ds.query("UPDATE audit_events SET outcome = 'failure' WHERE id = ?", [first.id]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(first.seq), id: first.id, reason: 'its content was changed' } });
    await ds.query("UPDATE audit_events SET outcome = 'info' WHERE id = ?", [first.id]);
    const [middle] = await ds.query("SELECT id, seq FROM audit_events WHERE type = 'test.event' ORDER BY seq LIMIT 1 OFFSET 1");
    await ds.query('DELETE FROM audit_events WHERE id = ?', [middle.id]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(middle.seq), reason: `entry ${middle.seq} is missing` } });
  });

  it('a forged checkpoint (old entries deleted and a checkpoint written by hand) is caught', async () => {
    await writeDaily(6);
    const [cut] = await ds.query('SELECT seq, hash FROM audit_events ORDER BY seq LIMIT 1 OFFSET 3');
    await ds.query('DELETE FROM audit_events WHERE seq <= ?', [cut.seq]);
    await ds.query('INSERT INTO audit_checkpoints (seq, hash, pruned_entries, cutoff_at, created_at) VALUES (?, ?, ?, ?, ?)', [cut.seq, cut.hash, 4, 0, 0]);
    expect(await verify()).toMatchObject({ ok: false, firstBreak: { seq: Number(cut.seq), reason: 'the retention checkpoint is not confirmed by the log' } });
  });

  it('refuses to prune a broken stretch of the chain, so evidence of tampering is kept', async () => {
    await writeDaily(6);
    const [victim] = await ds.query("SELECT id, seq FROM audit_events WHERE type = 'test.event' ORDER BY seq LIMIT 1 OFFSET 1");
    await ds.query("UPDATE audit_events SET outcome = 'success' WHERE id = ?", [victim.id]);
    const result = await audit.prune(t.clock.now());
    expect(result).toEqual({ pruned: 0, refused: { seq: Number(victim.seq), id: victim.id, reason: 'its content was changed' } });
    expect(await ds.query('SELECT id FROM audit_events WHERE id = ?', [victim.id])).toHaveLength(1);
    expect(await ds.query("SELECT COUNT(*) AS n FROM audit_events WHERE type = 'audit.prune_refused'")).toEqual([{ n: 1 }]);
  });

  it('the daily retention job prunes what is older than LATCHKEY_AUDIT_RETENTION_DAYS', async () => {
    await writeDaily(40);
    const scheduler = t.app.get(SchedulerService);
    await expect(scheduler.tick()).resolves.toContain('audit.retention');
    const [{ oldest }] = await ds.query("SELECT MIN(at) AS oldest FROM audit_events WHERE type = 'test.event'");
    expect(Number(oldest)).toBeGreaterThanOrEqual(t.clock.now().getTime() - 30 * DAY);
    expect(Number(oldest)).toBeLessThan(t.clock.now().getTime() - 29 * DAY);
    expect(await verify()).toMatchObject({ ok: true, checkpoint: { prunedEntries: expect.any(Number) } });
    // Once a period: a second tick the same day prunes nothing more.
    await expect(scheduler.tick()).resolves.not.toContain('audit.retention');
  });
});

describe('audit retention on PostgreSQL (runs when PostgreSQL is reachable)', () => {
  it('pruning while two instances write keeps one verifiable chain', async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL here; the SQLite suite above ran.
      console.warn('PostgreSQL not reachable: the PostgreSQL retention test did not run.');
      return;
    }
    const db = await createTestDatabase();
    const a = await startTestApp({ DATABASE_URL: db.url });
    const b = await startTestApp({ DATABASE_URL: db.url }, { dataDir: a.dataDir, clock: a.clock });
    try {
      const write = (t: TestApp, n: number) => Promise.all(Array.from({ length: n }, (_, i) => t.app.get(AuditService).record({ type: 'test.event', outcome: 'info', details: { i } })));
      await Promise.all([write(a, 20), write(b, 20)]);
      a.clock.advance(DAY);
      const [pruned] = await Promise.all([a.app.get(AuditService).prune(a.clock.now(), 7), write(b, 20), write(a, 5)]);
      expect(pruned).toEqual({ pruned: 40, refused: null });
      await expect(b.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true, checkpoint: { prunedEntries: 40 }, checked: 25 + 6 });
    } finally {
      await b.close();
      await a.close();
      await db.drop();
    }
  });
});
