import { Injectable } from '@nestjs/common';
import type { AuditFilter } from '@latchkey/contracts';
import { Db } from '../database/db';

export interface AuditRow {
  id: string;
  seq: string | number;
  at: string | number;
  type: string;
  outcome: string;
  member_id: string | null;
  admin_id: string | null;
  ip: string | null;
  details: string | null;
  member_username: string | null;
  member_server_id: string | null;
}

/** Reads the audit log by filter, in `seq` order (the chain's order: stable while entries are added). */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Up to `limit` entries matching `filter`, beyond `afterSeq` in the given direction. */
  page(filter: AuditFilter, order: 'asc' | 'desc', afterSeq: number | null, limit: number): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (afterSeq !== null) {
      where.push(order === 'desc' ? 'e.seq < ?' : 'e.seq > ?');
      params.push(afterSeq);
    }
    if (filter.memberId) {
      where.push('e.member_id = ?');
      params.push(filter.memberId);
    }
    if (filter.serverId) {
      where.push('m.server_id = ?');
      params.push(filter.serverId);
    }
    if (filter.type?.length) {
      const exact = filter.type.filter((t) => !t.endsWith('.*'));
      const families = filter.type.filter((t) => t.endsWith('.*')).map((t) => `${t.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const any = [...(exact.length ? [`e.type IN (${exact.map(() => '?').join(', ')})`] : []), ...families.map(() => "e.type LIKE ? ESCAPE '\\'")];
      where.push(`(${any.join(' OR ')})`);
      params.push(...exact, ...families);
    }
    if (filter.outcome) {
      where.push('e.outcome = ?');
      params.push(filter.outcome);
    }
    if (filter.from) {
      where.push('e.at >= ?');
      params.push(Date.parse(filter.from));
    }
    if (filter.to) {
      where.push('e.at < ?');
      params.push(Date.parse(filter.to));
    }
    params.push(limit);
    return this.db.raw<AuditRow>(
      this.db.manager,
      'SELECT e.id, e.seq, e.at, e.type, e.outcome, e.member_id, e.admin_id, e.ip, e.details, m.username AS member_username, m.server_id AS member_server_id ' +
        'FROM audit_events e LEFT JOIN members m ON m.id = e.member_id' +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY e.seq ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`,
      params,
    );
  }
}
