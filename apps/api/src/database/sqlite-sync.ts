import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';

/**
 * Synchronous access to the SQLite connection, for the hot path (a login on a remembered device): cached
 * prepared statements, no promise or ORM layer per query.
 *
 * Reads are always safe (WAL; one connection). A write runs only when the connection is not inside another
 * transaction (`Db.write` holds one across awaits); otherwise `tryRun` declines and the caller takes the
 * ordinary asynchronous path. Being synchronous, a write here can never interleave with another one.
 */
export class SqliteSync {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  private constructor(private readonly conn: BetterSqlite3.Database) {}

  static of(dataSource: DataSource): SqliteSync | null {
    if (dataSource.options.type !== 'better-sqlite3') return null;
    const conn = (dataSource.driver as unknown as { databaseConnection?: BetterSqlite3.Database }).databaseConnection;
    return conn ? new SqliteSync(conn) : null;
  }

  get<T>(sql: string, params: unknown[] = []): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, params: unknown[] = []): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  /** Runs one write statement now and returns the rows it changed, or null when a transaction is open. */
  tryRun(sql: string, params: unknown[] = []): number | null {
    if (this.conn.inTransaction) return null;
    return this.statement(sql).run(...params).changes;
  }

  /**
   * Runs `fn` (which uses `get`/`all`/`run` only) as one transaction now, or returns null when another
   * transaction is open. A throw rolls it back.
   */
  tryTransaction<T>(fn: () => T): T | null {
    if (this.conn.inTransaction) return null;
    return this.conn.transaction(fn)();
  }

  /** A write inside `tryTransaction`. */
  run(sql: string, params: unknown[] = []): number {
    return this.statement(sql).run(...params).changes;
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
