import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { AuditExportQuery, AuditFilter, AuditPage, AuditQuery } from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { csvHeader, csvLine, jsonLine, toAuditEvent } from './audit-format';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

const EXPORT_PAGE = 1000;

export interface AuditDownload {
  contentType: string;
  filename: string;
  body: Readable;
}

/** The audit log's read side: filtered pages for the console, streamed CSV and JSON exports. */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Newest first. The cursor is a position in the chain, so entries written meanwhile never shift a page. */
  async page(q: AuditQuery): Promise<AuditPage> {
    checkRange(q);
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
    await this.audit.flush();
    const rows = await this.repo.page(q, 'desc', after, q.limit + 1);
    const items = rows.slice(0, q.limit).map(toAuditEvent);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.seq) : null };
  }

  /** Oldest first, streamed page by page (memory stays flat whatever the size). The export is itself audited. */
  async export(q: AuditExportQuery, adminId: string): Promise<AuditDownload> {
    checkRange(q);
    const { format, ...filter } = q;
    await this.audit.record({ type: 'audit.exported', outcome: 'success', adminId, details: { format, filter } });
    const day = this.clock.now().toISOString().slice(0, 10);
    return {
      contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      filename: `latchkey-audit-${day}.${format}`,
      body: Readable.from(format === 'csv' ? this.csv(filter) : this.json(filter)),
    };
  }

  private async *csv(filter: AuditFilter): AsyncGenerator<string> {
    yield csvHeader();
    for await (const e of this.all(filter)) yield csvLine(e);
  }

  private async *json(filter: AuditFilter): AsyncGenerator<string> {
    yield '[\n';
    let first = true;
    for await (const e of this.all(filter)) {
      yield jsonLine(e, first);
      first = false;
    }
    yield '\n]\n';
  }

  private async *all(filter: AuditFilter) {
    let after: number | null = null;
    for (;;) {
      const rows = await this.repo.page(filter, 'asc', after, EXPORT_PAGE);
      for (const r of rows) {
        yield toAuditEvent(r);
        after = Number(r.seq);
      }
      if (rows.length < EXPORT_PAGE) return;
    }
  }
}

function checkRange(q: AuditFilter): void {
  if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) throw AppException.validation([{ path: 'query.to', message: 'must be after `from`' }]);
}

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ seq })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { seq?: unknown };
    if (Number.isSafeInteger(v.seq) && (v.seq as number) > 0) return v.seq as number;
  } catch {
    // fall through
  }
  throw AppException.validation([{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
}
