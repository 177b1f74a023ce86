import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db';
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
}

type Unchained = Omit<AuditEventEntity, 'seq' | 'prevHash' | 'hash'>;

const GENESIS = '0'.repeat(64);
const FLUSH_AFTER_MS = 10;
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
   * one transaction a few milliseconds later (group commit), so a decision does not pay for its own.
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
    this.flushing = this.flushing.then(() =>
      this.db.write((m) => this.append(m, batch)).catch((e: unknown) => {
        // The database is locked, read-only or gone for a moment: keep the entries (in order) and try again.
        this.pending = batch.concat(this.pending);
        const dropped = this.pending.length - MAX_PENDING;
        if (dropped > 0) this.pending.splice(MAX_PENDING);
        this.logger.error(`Could not write ${batch.length} audit entries, retrying${dropped > 0 ? ` (${dropped} dropped: too many waiting)` : ''}: ${(e as Error).message}`);
        if (!this.closing) {
          this.timer ??= setTimeout(() => void this.flush(), RETRY_AFTER_MS);
          this.timer.unref();
        }
      }),
    );
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Walks the whole chain in order and reports the first entry that does not fit. */
  async verify(): Promise<ChainCheck> {
    await this.flush();
    let prev = GENESIS;
    let expected = 1;
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
        if (r.seq !== expected) return { ok: false, checked, firstBreak: { seq: expected, id: null, reason: `entry ${expected} is missing` } };
        if (r.prevHash !== prev) return { ok: false, checked, firstBreak: { seq: r.seq, id: r.id, reason: 'does not follow the entry before it' } };
        if (entryHash(prev, r) !== r.hash) return { ok: false, checked, firstBreak: { seq: r.seq, id: r.id, reason: 'its content was changed' } };
        prev = r.hash;
        expected++;
        checked++;
      }
      if (rows.length < page) return { ok: true, checked, firstBreak: null };
    }
  }

  private async append(m: EntityManager, rows: Unchained[]): Promise<void> {
    if (this.db.kind === 'postgres') await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const head = await m.createQueryBuilder(AuditEventEntity, 'e').select(['e.seq', 'e.hash']).orderBy('e.seq', 'DESC').limit(1).getOne();
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS;
    const chained = rows.map((r) => {
      const entry = Object.assign(new AuditEventEntity(), r, { seq: ++seq, prevHash: prev });
      entry.hash = entryHash(prev, entry);
      prev = entry.hash;
      return entry;
    });
    for (let i = 0; i < chained.length; i += 100) await m.insert(AuditEventEntity, chained.slice(i, i + 100));
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
