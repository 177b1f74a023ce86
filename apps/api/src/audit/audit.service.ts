import { Injectable } from '@nestjs/common';
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

/** Appends security-relevant acts to the audit log. */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Records inside the caller's transaction when given one, else in its own. */
  async record(event: AuditRecord, m?: EntityManager): Promise<void> {
    const row: AuditEventEntity = Object.assign(new AuditEventEntity(), {
      id: newId(),
      at: this.clock.now(),
      type: event.type,
      outcome: event.outcome,
      memberId: event.memberId ?? null,
      adminId: event.adminId ?? null,
      ip: event.ip?.slice(0, 64) ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    });
    if (m) await m.insert(AuditEventEntity, row);
    else await this.db.write((tx) => tx.insert(AuditEventEntity, row));
  }
}
