import { AuditQuery, CreateServerRequest, ErrorCodes, ErrorMessages, ReplaceDirectoryRequest, roleAllows, UpdateReminderSettingsRequest } from './index';

describe('contracts', () => {
  it('has a human message for every error code', () => {
    for (const code of Object.values(ErrorCodes)) expect(ErrorMessages[code]).toEqual(expect.any(String));
  });

  it('rejects unknown fields and trims text', () => {
    expect(CreateServerRequest.safeParse({ name: 'x', kind: 'plex', baseUrl: 'http://p.lan', extra: 1 }).success).toBe(false);
    expect(CreateServerRequest.parse({ name: '  Den  ', kind: 'plex', baseUrl: 'http://p.lan' }).name).toBe('Den');
  });

  it('refuses control characters in names (no forged log lines)', () => {
    expect(CreateServerRequest.safeParse({ name: 'a\nb', kind: 'plex', baseUrl: 'http://p.lan' }).success).toBe(false);
  });

  it('only accepts http(s) base URLs', () => {
    for (const baseUrl of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://x', 'not a url']) {
      expect(CreateServerRequest.safeParse({ name: 'x', kind: 'plex', baseUrl }).success).toBe(false);
    }
  });

  it('defaults directory groups and libraries to empty lists', () => {
    expect(ReplaceDirectoryRequest.parse({ members: [{ externalId: 'a', username: 'a' }] })).toEqual({
      members: [{ externalId: 'a', username: 'a', groups: [] }],
      groups: [],
      libraries: [],
    });
  });

  it('gives viewers read access only', () => {
    expect(roleAllows('viewer', 'servers:read')).toBe(true);
    expect(roleAllows('viewer', 'servers:write')).toBe(false);
    expect(roleAllows('owner', 'tokens:manage')).toBe(true);
  });

  it('reads audit type filters: several, comma-separated, and families', () => {
    expect(AuditQuery.parse({ type: 'login.decision, factor.*' })).toMatchObject({ type: ['login.decision', 'factor.*'], limit: 50 });
    for (const type of ['', 'Login', 'factor.', '*', 'a.*.b', "x' OR 1=1", 'a'.repeat(65)]) expect(AuditQuery.safeParse({ type }).success).toBe(false);
  });

  it('keeps line breaks in the owner’s reminder message, and nothing else that could forge a line', () => {
    expect(UpdateReminderSettingsRequest.parse({ enabled: true, senderName: ' Olive ', message: 'Hi\r\nthere\r\n' })).toEqual({ enabled: true, senderName: 'Olive', message: 'Hi\nthere' });
    for (const message of ['tab\there', 'esc\u001b[31m', 'nul\u0000', '   ']) expect(UpdateReminderSettingsRequest.safeParse({ enabled: true, senderName: null, message }).success).toBe(false);
  });
});
