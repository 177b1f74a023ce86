import type { AuditEvent } from '@latchkey/contracts';
import type { AuditRow } from './audit.repository';

/** An audit row as the API shows it. */
export function toAuditEvent(r: AuditRow): AuditEvent {
  const details = r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null;
  const detailServer = typeof details?.['serverId'] === 'string' ? (details['serverId'] as string) : null;
  return {
    id: r.id,
    seq: Number(r.seq),
    at: new Date(Number(r.at)).toISOString(),
    type: r.type,
    outcome: r.outcome,
    memberId: r.member_id,
    memberUsername: r.member_username,
    serverId: r.member_server_id ?? detailServer,
    adminId: r.admin_id,
    ip: r.ip,
    details,
  };
}

export const CSV_COLUMNS = ['seq', 'at', 'type', 'outcome', 'member_id', 'member_username', 'server_id', 'admin_id', 'ip', 'details'] as const;

// Every character that some program reads as a line break or that a terminal acts on: C0, DEL, C1, LS, PS.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** What spreadsheets read as the start of a formula (also after leading spaces, and in full-width forms). */
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV cell, safe to open in a spreadsheet and to read line by line: always quoted (quotes doubled),
 * control characters and line separators written as `\n`, `\r`, `\t` or `\uXXXX` (so every record is one
 * physical line, whatever a username or device name holds), and text a spreadsheet would run as a
 * formula prefixed with `'` (OWASP CSV injection).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  let s = value.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (FORMULA_START.test(value)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(e: AuditEvent): string {
  const cells: (string | number | null)[] = [e.seq, e.at, e.type, e.outcome, e.memberId, e.memberUsername, e.serverId, e.adminId, e.ip, e.details ? JSON.stringify(e.details) : null];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** One JSON array element per line: JSON escapes control characters; U+2028/2029 are escaped too. */
export function jsonLine(e: AuditEvent, first: boolean): string {
  return `${first ? '' : ',\n'}${JSON.stringify(e).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}`;
}
