import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Db } from '../database/db';
import { computeAdoption, type Adoption } from './adoption';
import type { AdoptionReply, AdoptionRequest, WorkerDatabase } from './adoption.worker';

/**
 * Computes adoption summaries in a worker thread (adoption.worker.ts) with its own read connection: at
 * 100,000 members the walk takes a second or more, which on the service's own thread every request would
 * wait out. One worker, started on first use, one computation at a time (the dashboard never asks for
 * more), kept while the service runs and stopped with it. An in-memory SQLite database cannot be opened by
 * a second connection: there (never in production) the computation runs in this thread.
 */
@Injectable()
export class AdoptionWorker implements OnModuleDestroy {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (a: Adoption) => void; reject: (e: Error) => void }>();

  constructor(private readonly db: Db) {}

  compute(now: Date): Promise<Adoption> {
    const database = this.database();
    if (!database) return computeAdoption((sql, params) => this.db.raw(this.db.manager, sql, params), now);
    const worker = this.worker ?? this.start(database);
    const request: AdoptionRequest = { id: this.nextId++, now: now.getTime() };
    return new Promise<Adoption>((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      worker.ref(); // a computation under way keeps the process alive; an idle worker does not
      worker.postMessage(request);
    });
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private database(): WorkerDatabase | null {
    const options = this.db.dataSource.options as { database?: unknown; url?: unknown; timeout?: unknown };
    if (this.db.kind === 'postgres') return { kind: 'postgres', url: String(options.url) };
    const file = String(options.database ?? ':memory:');
    return file === ':memory:' ? null : { kind: 'sqlite', file, busyTimeoutMs: Number(options.timeout ?? 5000) };
  }

  private start(database: WorkerDatabase): Worker {
    // Built, this file is .js beside the compiled worker; run from the TypeScript sources (tests), a loader
    // compiles the worker's sources on the fly as Jest does.
    const ts = path.extname(__filename) === '.ts';
    const entry = path.join(__dirname, `adoption.worker${ts ? '.ts' : '.js'}`);
    const worker = ts
      ? new Worker(path.join(__dirname, '../testing/typescript-worker.cjs'), { workerData: { database, entry } })
      : new Worker(entry, { workerData: { database } });
    worker.unref();
    const failAll = (e: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('message', (reply: AdoptionReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!this.waiting.size) worker.unref();
      if (!w) return;
      if ('error' in reply) w.reject(new Error(`adoption summary: ${reply.error}`));
      else w.resolve(reply.adoption);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the adoption worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
