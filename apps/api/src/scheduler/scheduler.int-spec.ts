import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { JobLeasesRepository } from './job-leases.repository';
import { SchedulerService } from './scheduler.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Two Latchkey instances on one database and one clock. */
async function twoInstances(env: Record<string, string> = {}): Promise<{ a: TestApp; b: TestApp; close: () => Promise<void> }> {
  const a = await startTestApp(env);
  const b = await startTestApp(env, { dataDir: a.dataDir, clock: a.clock });
  return { a, b, close: async () => { await b.close(); await a.close(); } };
}

/** Yields to other work a few times, so the two instances' runs overlap. */
async function busy(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function suite(name: string, env: () => Promise<Record<string, string> | null>) {
  describe(name, () => {
    let pair: { a: TestApp; b: TestApp; close: () => Promise<void> } | null = null;
    afterEach(async () => {
      await pair?.close();
      pair = null;
    });

    it('two instances ticking at once run each job once per period', async () => {
      const e = await env();
      if (!e) return;
      pair = await twoInstances(e);
      const { a, b } = pair;
      const runs: { by: string; hour: number }[] = [];
      for (const [t, by] of [[a, 'a'], [b, 'b']] as const) {
        t.app.get(SchedulerService).register({
          name: 'test.hourly',
          everyMs: HOUR,
          run: async (now) => {
            await busy();
            runs.push({ by, hour: Math.floor(now.getTime() / HOUR) });
          },
        });
      }
      const ticks: number[] = [];
      for (let i = 0; i < 3 * 50; i++) {
        a.clock.advance(20 * MINUTE);
        ticks.push(a.clock.now().getTime());
        // Whoever asks first, and a second tick of the same instance meanwhile.
        const [first, second] = i % 2 ? [a, b] : [b, a];
        await Promise.all([first.app.get(SchedulerService).tick(), second.app.get(SchedulerService).tick(), first.app.get(SchedulerService).tick()]);
      }
      const periods = (ms: number) => new Set(ticks.map((t) => Math.floor(t / ms))).size;
      const hours = runs.map((r) => r.hour);
      expect(hours).toEqual([...new Set(hours)]);
      expect(hours).toHaveLength(periods(HOUR));
      // Both instances did some of the work.
      expect(new Set(runs.map((r) => r.by)).size).toBe(2);

      const leases: { name: string; runs: number }[] = await a.app.get(DataSource).query('SELECT name, runs FROM job_leases ORDER BY name');
      expect(Object.fromEntries(leases.map((l) => [l.name, Number(l.runs)]))).toEqual({
        'audit.retention': periods(DAY),
        'dashboard.adoption-snapshot': periods(HOUR),
        reminders: periods(15 * MINUTE),
        'test.hourly': periods(HOUR),
      });
    });

    it('a lease held by an instance that died is taken over once it expires', async () => {
      const e = await env();
      if (!e) return;
      pair = await twoInstances(e);
      const { a, b } = pair;
      let ran = 0;
      b.app.get(SchedulerService).register({ name: 'test.daily', everyMs: DAY, leaseMs: 10 * MINUTE, run: async () => void ran++ });
      const now = a.clock.now();
      await expect(a.app.get(JobLeasesRepository).acquire('test.daily', 'crashed-instance', now, new Date(now.getTime() + 10 * MINUTE))).resolves.toBe(true);
      await b.app.get(SchedulerService).tick();
      expect(ran).toBe(0);
      a.clock.advance(10 * MINUTE);
      await b.app.get(SchedulerService).tick();
      expect(ran).toBe(1);
    });

    it('a failed run is retried a few minutes later, not at once and not twice', async () => {
      const e = await env();
      if (!e) return;
      pair = await twoInstances(e);
      const { a, b } = pair;
      let attempts = 0;
      for (const t of [a, b]) {
        t.app.get(SchedulerService).register({
          name: 'test.flaky',
          everyMs: DAY,
          run: async () => {
            if (++attempts === 1) throw new Error('SMTP down');
          },
        });
      }
      await Promise.all([a.app.get(SchedulerService).tick(), b.app.get(SchedulerService).tick()]);
      expect(attempts).toBe(1);
      a.clock.advance(MINUTE);
      await Promise.all([a.app.get(SchedulerService).tick(), b.app.get(SchedulerService).tick()]);
      expect(attempts).toBe(1);
      a.clock.advance(5 * MINUTE);
      await Promise.all([a.app.get(SchedulerService).tick(), b.app.get(SchedulerService).tick()]);
      expect(attempts).toBe(2);
      const [lease] = await a.app.get(DataSource).query("SELECT runs, last_error FROM job_leases WHERE name = 'test.flaky'");
      expect({ runs: Number(lease.runs), lastError: lease.last_error }).toEqual({ runs: 1, lastError: null });
    });
  });
}

suite('scheduler: two instances on one SQLite file', async () => ({}));

suite('scheduler: two instances on one PostgreSQL database (runs when PostgreSQL is reachable)', (() => {
  let db: { url: string; drop: () => Promise<void> } | null = null;
  afterAll(() => db?.drop());
  return async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL here; the SQLite suite ran.
      console.warn('PostgreSQL not reachable: the PostgreSQL scheduler tests did not run.');
      return null;
    }
    await db?.drop();
    db = await createTestDatabase();
    return { DATABASE_URL: db.url };
  };
})());
