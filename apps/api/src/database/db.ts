import type { DataSource, EntityManager } from 'typeorm';

/**
 * The database handle services use. Every write goes through `write()`, one transaction each.
 *
 * SQLite has one writer, and TypeORM's better-sqlite3 driver has one connection: two transactions
 * interleaving their awaits on it would nest into each other. `write()` therefore queues SQLite
 * transactions in this process (WAL lets readers go on meanwhile); on PostgreSQL each one gets its own
 * pooled connection and the database arbitrates.
 */
export class Db {
  readonly kind: 'sqlite' | 'postgres';
  private queue: Promise<unknown> = Promise.resolve();
  private epoch = 0;

  constructor(readonly dataSource: DataSource) {
    this.kind = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

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
    const run = this.kind === 'postgres' ? this.dataSource.transaction(fn) : this.queue.then(() => this.dataSource.transaction(fn));
    if (this.kind === 'sqlite') this.queue = run.catch(() => undefined);
    const bump = () => {
      this.epoch++;
    };
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
    if (this.kind === 'sqlite') return sql;
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  }
}
