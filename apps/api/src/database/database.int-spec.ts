import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from './database';
import { MIGRATIONS } from './migrations';
import { createTestDatabase, postgresReachable } from '../testing/postgres';

async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

describe('database on SQLite', () => {
  let dir: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-db-'));
    ds = await openDatabase({ dataDir: dir, database: { kind: 'sqlite', file: path.join(dir, 'latchkey.db') } });
  });
  afterAll(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the schema from migrations, matching the entities exactly', async () => {
    await expect(pendingSchemaChanges(ds)).resolves.toEqual([]);
  });

  it('runs in WAL mode with foreign keys on and a busy timeout', async () => {
    await expect(ds.query('PRAGMA journal_mode')).resolves.toEqual([{ journal_mode: 'wal' }]);
    await expect(ds.query('PRAGMA foreign_keys')).resolves.toEqual([{ foreign_keys: 1 }]);
    const [busy] = await ds.query('PRAGMA busy_timeout');
    expect(Object.values(busy)[0]).toBe(5000);
  });

  it('applies migrations once: reopening finds nothing to do', async () => {
    const again = await openDatabase({ dataDir: dir, database: { kind: 'sqlite', file: path.join(dir, 'latchkey.db') } });
    await expect(again.showMigrations()).resolves.toBe(false);
    await again.destroy();
  });
});

describe('database on PostgreSQL (runs when PostgreSQL is reachable)', () => {
  let available = false;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let ds: DataSource | undefined;

  beforeAll(async () => {
    available = await postgresReachable();
    if (!available) {
      // Written reason: this machine has no PostgreSQL; the SQLite suite above still ran.
      console.warn('PostgreSQL not reachable: the PostgreSQL schema test did not run.');
      return;
    }
    db = await createTestDatabase();
    ds = await openDatabase({ dataDir: os.tmpdir(), database: { kind: 'postgres', url: db.url, poolSize: 4 } });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('builds the same schema from the same migrations, matching the entities exactly', async () => {
    if (!available) return;
    await expect(pendingSchemaChanges(ds!)).resolves.toEqual([]);
  });

  it('lets several instances start at once: migrations run exactly once', async () => {
    if (!available) return;
    const fresh = await createTestDatabase();
    try {
      const instances = await Promise.all(
        [1, 2, 3].map(() => openDatabase({ dataDir: os.tmpdir(), database: { kind: 'postgres', url: fresh.url, poolSize: 2 } })),
      );
      const rows = await instances[0]!.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0].n).toBe(MIGRATIONS.length);
      await Promise.all(instances.map((m) => m.destroy()));
    } finally {
      await fresh.drop();
    }
  });
});
