import Database from 'better-sqlite3';
import { Client } from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import { numberedPlaceholders } from '../database/placeholders';
import type { ReadQuery } from '../policies/all-facts';
import { computeAdoption, type Adoption } from './adoption';

/**
 * Worker thread entry (adoption-worker.ts starts it): computes the adoption summary on a read connection of
 * its own, so the service's event loop goes on answering logins and health checks meanwhile. Each request
 * reads one consistent snapshot: a read transaction on SQLite (WAL: the service keeps writing), a
 * repeatable-read, read-only one on PostgreSQL.
 */

export type WorkerDatabase = { kind: 'sqlite'; file: string; busyTimeoutMs: number } | { kind: 'postgres'; url: string };
export interface AdoptionRequest {
  id: number;
  /** The service's clock (epoch ms): the summary is computed as of then. */
  now: number;
}
export type AdoptionReply = { id: number; adoption: Adoption } | { id: number; error: string };

async function inSnapshot(db: WorkerDatabase, fn: (query: ReadQuery) => Promise<Adoption>): Promise<Adoption> {
  if (db.kind === 'sqlite') {
    const conn = new Database(db.file, { readonly: true, fileMustExist: true });
    try {
      conn.pragma(`busy_timeout = ${db.busyTimeoutMs}`);
      conn.exec('BEGIN');
      const adoption = await fn(async <T>(sql: string, params: unknown[] = []) => conn.prepare(sql).all(...params) as T[]);
      conn.exec('COMMIT');
      return adoption;
    } finally {
      conn.close();
    }
  }
  const client = new Client({ connectionString: db.url, application_name: 'latchkey-dashboard', options: '-c jit=off' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const adoption = await fn(async <T>(sql: string, params: unknown[] = []) => (await client.query(numberedPlaceholders(sql), params)).rows as T[]);
    await client.query('COMMIT');
    return adoption;
  } finally {
    await client.end();
  }
}

const database = (workerData as { database: WorkerDatabase }).database;
parentPort?.on('message', (req: AdoptionRequest) => {
  inSnapshot(database, (query) => computeAdoption(query, new Date(req.now))).then(
    (adoption) => parentPort?.postMessage({ id: req.id, adoption } satisfies AdoptionReply),
    (e: unknown) => parentPort?.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies AdoptionReply),
  );
});
