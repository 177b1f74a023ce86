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

const FLUSH_AFTER_MS = 10;
const FLUSH_AT = 500;

/** Appends security-relevant acts to the audit log. */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private pending: AuditEventEntity[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

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
      this.db
        .write(async (m) => {
          for (let i = 0; i < batch.length; i += 100) await m.insert(AuditEventEntity, batch.slice(i, i + 100));
        })
        .catch((e: unknown) => this.logger.error(`Could not write ${batch.length} audit entries: ${(e as Error).message}`)),
    );
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Records inside the caller's transaction when given one, else in its own. */
  async record(event: AuditRecord, m?: EntityManager): Promise<void> {
    const row = this.row(event);
    if (m) await m.insert(AuditEventEntity, row);
    else await this.db.write((tx) => tx.insert(AuditEventEntity, row));
  }

  private row(event: AuditRecord): AuditEventEntity {
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
