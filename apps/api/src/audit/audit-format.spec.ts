import { csvCell, csvLine, jsonLine } from './audit-format';
import type { AuditEvent } from '@latchkey/contracts';

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: '00000000-0000-4000-8000-000000000001',
  seq: 1,
  at: '2026-03-01T12:00:00.000Z',
  type: 'login.decision',
  outcome: 'allow',
  memberId: null,
  memberUsername: null,
  serverId: null,
  adminId: null,
  ip: null,
  details: null,
  ...over,
});

describe('audit CSV and JSON export', () => {
  it.each(['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '  =1+1', '\t=1', '＝1+1', '＠x'])('a formula %j is defused with an apostrophe', (text) => {
    const cell = csvCell(text);
    expect(cell.startsWith(`"'`)).toBe(true);
  });

  it('quotes every text cell and doubles quotes', () => {
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it.each(['line\nforged,row', 'cr\rreturn', 'nel\u0085x', 'ls\u2028x', 'ps\u2029x', 'esc\u001b[31m', 'nul\u0000'])('user text %j cannot start a new line', (text) => {
    const line = csvLine(event({ memberUsername: text, details: { deviceName: text } }));
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(line.slice(0, -2)).not.toMatch(/[\r\n\u0085\u2028\u2029\u0000-\u001f]/);
    expect(line.endsWith('\r\n')).toBe(true);
  });

  it('JSON lines escape line separators, so one entry stays on one line', () => {
    const line = jsonLine(event({ memberUsername: 'a\u2028b\nc' }), true);
    expect(line).not.toMatch(/[\n\u2028]/);
    expect(JSON.parse(line).memberUsername).toBe('a\u2028b\nc');
  });
});
