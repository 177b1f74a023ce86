import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { AuditCheckpointEntity } from '../database/audit-entities';
import { AuditEventEntity } from '../database/entities';

export interface AuditRecord {
  type: string;
  /** success | failure | denied | info, or a decision (allow, allow_in_grace, challenge, …). */
  outcome: string;
  memberId?: string | null;
  adminId?: string | null;
  ip?: string | null;
  /** Never a secret or a code: ids, methods, reasons. */
  details?: Record<string, unknown>;
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The first entry where the chain breaks (edited, deleted or reordered entries), if any. */
  firstBreak: { seq: number; id: string | null; reason: string } | null;
  /** Where the walk started, when retention pruned the oldest entries. */
  checkpoint: { throughSeq: number; hash: string; prunedEntries: number; prunedAt: string } | null;
}

export interface PruneResult {
  /** Entries deleted by this call. */
  pruned: number;
  /** The chain is broken among the entries due for pruning: nothing from there on was pruned. */
  refused: ChainCheck['firstBreak'];
}

type Unchained = Omit<AuditEventEntity, 'seq' | 'prevHash' | 'hash'>;

const GENESIS = '0'.repeat(64);
/**
 * Group-commit window. Each commit costs about the same whatever its size (a transaction, index pages
 * written to the WAL), so at modest rates a longer window is what keeps audit writing cheap. Measured with
 * `node tools/bench/logins.mjs --audit-cost` (service CPU per login, without / with audit, `allow`):
 * 0.56–0.69 with 10 ms, 0.82–0.98 with 50 ms. Readers of the log (`verify`, queries, exports) flush first.
 */
const FLUSH_AFTER_MS = 50;
const HEAD = 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1';
const CHECKPOINT_HEAD = 'SELECT seq, hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1';

function insertEntries(n: number): string {
  return `INSERT INTO audit_events (id, seq, at, type, outcome, member_id, admin_id, ip, details, prev_hash, hash) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
}

function entryValues(e: AuditEventEntity): unknown[] {
  return [e.id, e.seq, e.at.getTime(), e.type, e.outcome, e.memberId, e.adminId, e.ip, e.details, e.prevHash, e.hash];
}

function upsertDailyCounts(n: number): string {
  return (
    `INSERT INTO audit_daily_counts (day, type, outcome, events) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?)').join(', ')} ` +
    'ON CONFLICT (day, type, outcome) DO UPDATE SET events = audit_daily_counts.events + excluded.events'
  );
}

/** Entries after `head` (the last entry or checkpoint), each chained to the one before. */
function chain(rows: Unchained[], head: { seq: number | string; hash: string } | null | undefined): AuditEventEntity[] {
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? GENESIS;
  return rows.map((r) => {
    const entry = Object.assign(new AuditEventEntity(), r, { seq: ++seq, prevHash: prev });
    entry.hash = entryHash(prev, entry);
    prev = entry.hash;
    return entry;
  });
}

/** Per day, type and outcome: how many of these entries. */
function dailyCounts(rows: AuditEventEntity[]): [string, string, string, number][] {
  const counts = new Map<string, [string, string, string, number]>();
  for (const r of rows) {
    const day = r.at.toISOString().slice(0, 10);
    const k = `${day} ${r.type} ${r.outcome}`;
    const c = counts.get(k);
    if (c) c[3]++;
    else counts.set(k, [day, r.type, r.outcome, 1]);
  }
  return [...counts.values()];
}
const FLUSH_AT = 500;
/** A failed group commit is retried this much later, keeping at most this many entries waiting. */
const RETRY_AFTER_MS = 1_000;
const MAX_PENDING = 100_000;
/** Serialises appends to the chain across PostgreSQL instances (SQLite writes are already serial). */
const CHAIN_LOCK = 7_271_043_002;

/** The hash of an entry: SHA-256 over the previous hash and a canonical, unambiguous form of the entry. */
export function entryHash(prevHash: string, e: Pick<AuditEventEntity, 'seq' | 'id' | 'at' | 'type' | 'outcome' | 'memberId' | 'adminId' | 'ip' | 'details'>): string {
  const canonical = JSON.stringify([e.seq, e.id, e.at.getTime(), e.type, e.outcome, e.memberId, e.adminId, e.ip, e.details]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * Appends security-relevant acts to the audit log, each entry hash-chained to the one before it, so an
 * edited, deleted or reordered entry is detectable (`verify`).
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private pending: Unchained[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Batches handed to the asynchronous path and not yet written. */
  private queued = 0;
  private closing = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Records inside the caller's transaction when given one, else in its own. */
  async record(event: AuditRecord, m?: EntityManager): Promise<void> {
    const row = this.row(event);
    if (m) await this.append(m, [row]);
    else await this.db.write((tx) => this.append(tx, [row]));
  }

  /**
   * For the hot path (login and access decisions): the entry is stamped now and written with others in
   * one transaction at most 50 ms later (group commit), so a decision does not pay for its own.
   */
  recordSoon(event: AuditRecord): void {
    this.pending.push(this.row(event));
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
  }

  /** Writes whatever `recordSoon` has queued. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    // On SQLite, when nothing else is writing, in one synchronous transaction: no transaction held open
    // across awaits, so the login hot path's own writes are not pushed off it.
    // (Not while an earlier batch is still on its way: entries keep their order.)
    if (this.queued === 0 && this.appendNow(batch)) return this.flushing;
    this.queued++;
    this.flushing = this.flushing.then(() =>
      this.db
        .write((m) => this.append(m, batch))
        .catch((e: unknown) => {
          // The database is locked, read-only or gone for a moment: keep the entries (in order) and try again.
          this.pending = batch.concat(this.pending);
          const dropped = this.pending.length - MAX_PENDING;
          if (dropped > 0) this.pending.splice(MAX_PENDING);
          this.logger.error(`Could not write ${batch.length} audit entries, retrying${dropped > 0 ? ` (${dropped} dropped: too many waiting)` : ''}: ${(e as Error).message}`);
          if (!this.closing) {
            this.timer ??= setTimeout(() => void this.flush(), RETRY_AFTER_MS);
            this.timer.unref();
          }
        })
        .finally(() => this.queued--),
    );
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Walks the chain in order — from the retention checkpoint when old entries were pruned — and reports
   * the first entry that does not fit. The checkpoint itself must be confirmed by the `audit.pruned`
   * entry that pruning wrote into the chain.
   */
  async verify(): Promise<ChainCheck> {
    await this.flush();
    const checkpoint = await this.latestCheckpoint(this.db.manager);
    const result = await this.walk(checkpoint);
    if (result.ok) return result;
    // A prune that ran during the walk moves the start: walk again from the new checkpoint.
    const moved = await this.latestCheckpoint(this.db.manager);
    return moved?.seq !== checkpoint?.seq ? this.walk(moved) : result;
  }

  /**
   * Retention: deletes the oldest entries written before `before`, in batches, each batch leaving a
   * checkpoint (last pruned position and hash) and an `audit.pruned` entry that confirms it. Entries are
   * checked before they go: a broken chain is never pruned away (evidence of tampering stays).
   */
  async prune(before: Date, batchSize = 5000): Promise<PruneResult> {
    await this.flush();
    let pruned = 0;
    for (;;) {
      const step = await this.db.write(async (m) => {
        await this.lockChain(m);
        const checkpoint = await this.latestCheckpoint(m);
        let prev = checkpoint?.hash ?? GENESIS;
        let expected = (checkpoint?.seq ?? 0) + 1;
        const rows = await m.createQueryBuilder(AuditEventEntity, 'e').where('e.seq >= :from', { from: expected }).orderBy('e.seq', 'ASC').take(batchSize).getMany();
        let last: AuditEventEntity | null = null;
        for (const r of rows) {
          if (r.at.getTime() >= before.getTime()) break;
          const broken = chainBreak(r, expected, prev);
          if (broken) return { n: 0, refused: broken };
          prev = r.hash;
          expected++;
          last = r;
        }
        if (!last) return { n: 0, refused: null };
        const from = (checkpoint?.seq ?? 0) + 1;
        const n = last.seq - from + 1;
        await m.createQueryBuilder().delete().from(AuditEventEntity).where('seq >= :from AND seq <= :to', { from, to: last.seq }).execute();
        const now = this.clock.now();
        await m.insert(AuditCheckpointEntity, { seq: last.seq, hash: last.hash, prunedEntries: (checkpoint?.prunedEntries ?? 0) + n, cutoffAt: before, createdAt: now });
        await this.append(m, [this.row({ type: 'audit.pruned', outcome: 'success', details: { throughSeq: last.seq, hash: last.hash, entries: n, before: before.toISOString() } })]);
        return { n, refused: null };
      });
      pruned += step.n;
      if (step.refused) {
        this.logger.error(`Audit retention stopped: entry ${step.refused.seq} ${step.refused.reason}. Nothing from there on was pruned.`);
        await this.record({ type: 'audit.prune_refused', outcome: 'failure', details: { firstBreak: step.refused } });
        return { pruned, refused: step.refused };
      }
      if (step.n < batchSize) return { pruned, refused: null };
    }
  }

  private async walk(checkpoint: AuditCheckpointEntity | null): Promise<ChainCheck> {
    const cp = checkpoint && { throughSeq: checkpoint.seq, hash: checkpoint.hash, prunedEntries: checkpoint.prunedEntries, prunedAt: checkpoint.createdAt.toISOString() };
    let prev = checkpoint?.hash ?? GENESIS;
    let expected = (checkpoint?.seq ?? 0) + 1;
    let confirmed = checkpoint === null;
    let checked = 0;
    const page = 5000;
    for (;;) {
      const rows = await this.db.manager
        .createQueryBuilder(AuditEventEntity, 'e')
        .where('e.seq >= :from', { from: expected })
        .orderBy('e.seq', 'ASC')
        .take(page)
        .getMany();
      for (const r of rows) {
        const broken = chainBreak(r, expected, prev);
        if (broken) return { ok: false, checked, firstBreak: broken, checkpoint: cp };
        if (!confirmed && checkpoint && confirms(r, checkpoint)) confirmed = true;
        prev = r.hash;
        expected++;
        checked++;
      }
      if (rows.length < page) break;
    }
    if (!confirmed && checkpoint) return { ok: false, checked, firstBreak: { seq: checkpoint.seq, id: null, reason: 'the retention checkpoint is not confirmed by the log' }, checkpoint: cp };
    return { ok: true, checked, firstBreak: null, checkpoint: cp };
  }

  private latestCheckpoint(m: EntityManager): Promise<AuditCheckpointEntity | null> {
    return m.createQueryBuilder(AuditCheckpointEntity, 'c').orderBy('c.seq', 'DESC').limit(1).getOne();
  }

  private async lockChain(m: EntityManager): Promise<void> {
    if (this.db.kind === 'postgres') await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  }

  /**
   * The same as `append`, synchronously on SQLite in one transaction, when no other transaction is open
   * (false otherwise: the caller takes the asynchronous path).
   */
  private appendNow(rows: Unchained[]): boolean {
    const sync = this.db.sync;
    if (!sync) return false;
    try {
      return (
        sync.tryTransaction(() => {
          const head = sync.get<{ seq: number; hash: string }>(HEAD) ?? sync.get<{ seq: number; hash: string }>(CHECKPOINT_HEAD);
          const chained = chain(rows, head);
          for (const e of chained) sync.run(insertEntries(1), entryValues(e));
          for (const c of dailyCounts(chained)) sync.run(upsertDailyCounts(1), c);
          return true;
        }) ?? false
      );
    } catch {
      // Rolled back: the asynchronous path tries again (and keeps the entries if it fails too).
      return false;
    }
  }

  private async append(m: EntityManager, rows: Unchained[]): Promise<void> {
    await this.lockChain(m);
    const [last] = await this.db.raw<{ seq: string | number; hash: string }>(m, HEAD);
    const head = last ? { seq: Number(last.seq), hash: last.hash } : await this.latestCheckpoint(m);
    const chained = chain(rows, head);
    // Plain multi-row INSERTs: this runs for every group commit on the login path.
    for (let i = 0; i < chained.length; i += 100) {
      const chunk = chained.slice(i, i + 100);
      await this.db.raw(m, insertEntries(chunk.length), chunk.flatMap(entryValues));
    }
    // The per-day counts by type and outcome, in step with the log, in the same transaction.
    const counts = dailyCounts(chained);
    for (let i = 0; i < counts.length; i += 200) {
      const chunk = counts.slice(i, i + 200);
      await this.db.raw(m, upsertDailyCounts(chunk.length), chunk.flat());
    }
  }

  private row(event: AuditRecord): Unchained {
    return Object.assign(new AuditEventEntity(), {
      id: newId(),
      at: this.clock.now(),
      type: event.type,
      outcome: event.outcome,
      memberId: event.memberId ?? null,
      adminId: event.adminId ?? null,
      ip: event.ip?.slice(0, 64) ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    });
  }
}

/** Why an entry does not continue the chain at position `expected` after hash `prev`, if it does not. */
function chainBreak(r: AuditEventEntity, expected: number, prev: string): ChainCheck['firstBreak'] {
  if (r.seq !== expected) return { seq: expected, id: null, reason: `entry ${expected} is missing` };
  if (r.prevHash !== prev) return { seq: r.seq, id: r.id, reason: 'does not follow the entry before it' };
  if (entryHash(prev, r) !== r.hash) return { seq: r.seq, id: r.id, reason: 'its content was changed' };
  return null;
}

/** The `audit.pruned` entry written with a checkpoint names its position and hash. */
function confirms(r: AuditEventEntity, checkpoint: AuditCheckpointEntity): boolean {
  if (r.type !== 'audit.pruned' || !r.details) return false;
  const d = JSON.parse(r.details) as { throughSeq?: unknown; hash?: unknown };
  return d.throughSeq === checkpoint.seq && d.hash === checkpoint.hash;
}
