import type { DataSource, EntityManager } from 'typeorm';
import { numberedPlaceholders } from './placeholders';
import { SqliteSync } from './sqlite-sync';

/** SQLite write queues, one per database file, shared by every handle on that file in this process. */
const sqliteQueues = new Map<string, { tail: Promise<unknown> }>();

/**
 * The database handle services use. Every write goes through `write()`, one transaction each.
 *
 * SQLite has one writer, and TypeORM's better-sqlite3 driver has one connection: two transactions
 * interleaving their awaits on it would nest into each other. `write()` therefore queues SQLite
 * transactions in this process (WAL lets readers go on meanwhile); on PostgreSQL each one gets its own
 * pooled connection and the database arbitrates. The queue is per database file, so two instances on
 * one file in one process (tests of multi-instance behaviour) take turns instead of one blocking the
 * event loop on the other's lock (better-sqlite3 waits synchronously).
 */
export class Db {
  readonly kind: 'sqlite' | 'postgres';
  private readonly queue: { tail: Promise<unknown> };
  private epoch = 0;

  constructor(readonly dataSource: DataSource) {
    this.kind = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    const file = this.kind === 'sqlite' ? String((dataSource.options as { database?: unknown }).database ?? '') : '';
    let queue = sqliteQueues.get(file);
    if (!queue) {
      queue = { tail: Promise.resolve() };
      if (file && file !== ':memory:') sqliteQueues.set(file, queue);
    }
    this.queue = queue;
  }

  /** Synchronous SQLite access for hot paths; null on PostgreSQL. */
  get sync(): SqliteSync | null {
    if (this.syncAccess === undefined) this.syncAccess = SqliteSync.of(this.dataSource);
    return this.syncAccess;
  }
  private syncAccess: SqliteSync | null | undefined;

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Changes whenever a write of this process ends (committed or not). In-memory answers derived from the
   * database (forward-auth's session cache) are kept only while it stays the same.
   */
  get writeEpoch(): number {
    return this.epoch;
  }

  write<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    this.epoch++;
    const bump = () => {
      this.epoch++;
    };
    if (this.kind === 'postgres') {
      const pg = this.dataSource.transaction(fn);
      pg.then(bump, bump);
      return pg;
    }
    const run = this.queue.tail.then(() => this.dataSource.transaction(fn));
    this.queue.tail = run.then(
      () => undefined,
      () => undefined,
    );
    run.then(bump, bump);
    return run;
  }

  /** Raw SQL written with `?` placeholders, numbered for PostgreSQL. Returns rows (or the driver's result). */
  async raw<T = unknown>(m: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
    return m.query(this.placeholders(sql), params);
  }

  /** Raw write returning the number of rows it changed. */
  async exec(m: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
    const runner = m.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(this.placeholders(sql), params, true);
      return result.affected ?? 0;
    } finally {
      if (!m.queryRunner) await runner.release();
    }
  }

  /** Largest number of bound parameters one statement may carry on either database. */
  get maxParams(): number {
    return this.kind === 'postgres' ? 65_000 : 32_000;
  }

  private placeholders(sql: string): string {
    return this.kind === 'sqlite' ? sql : numberedPlaceholders(sql);
  }
}
