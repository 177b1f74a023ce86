import { DataSource } from 'typeorm';
import { registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { parseMail } from '../testing/mail';
import { startSmtp } from '../testing/smtp';
import { SchedulerService } from '../scheduler/scheduler.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

const DAY = 86_400_000;

describe('reminders: sending now, failures, settings', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let refuse = false;
  let token: string;
  let member: Record<string, string>;
  const as = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => t.request({ method, url, body, bearer: token });
  const tick = () => t.app.get(SchedulerService).tick();

  beforeEach(async () => {
    refuse = false;
    smtp = await startSmtp({ refuse: () => refuse });
    t = await startTestApp({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none', LATCHKEY_REMINDER_DAYS: '3,0' });
    const owner = await setupOwner(t);
    token = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: owner, body: { name: 'test' } })).json().secret;
    const server = await registerServer(t, owner);
    await t.request({
      method: 'PATCH',
      url: '/api/v1/directory',
      bearer: server.apiKey,
      body: { members: [{ externalId: 'a', username: 'alice', email: 'alice@example.com' }, { externalId: 'b', username: 'bob' }, { externalId: 'd', username: 'dave', email: 'dave@example.com' }] },
    });
    member = Object.fromEntries(((await as('GET', '/api/v1/members')).json().items as { id: string; username: string }[]).map((m) => [m.username, m.id]));
    await as('POST', '/api/v1/exemptions', { memberId: member['dave'], reason: 'Kitchen TV only' });
    await as('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 14, enabled: true });
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  it('a reminder the SMTP server refused is not marked sent, is retried on a later tick, and arrives once', async () => {
    t.clock.advance(11 * DAY);
    refuse = true;
    await tick();
    expect(smtp.mails).toHaveLength(0);
    const [row] = await t.app.get(DataSource).query('SELECT status, attempts, last_error FROM reminders');
    expect({ status: row.status, attempts: Number(row.attempts) }).toEqual({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/451|rejected|could not be sent/i);
    refuse = false;
    t.clock.advance(15 * 60_000);
    await tick();
    t.clock.advance(15 * 60_000);
    await tick();
    expect(smtp.mails.map((m) => m.to)).toEqual([['alice@example.com']]);
    const audited = (await as('GET', '/api/v1/audit?type=reminder.*')).json().items.map((e: { type: string; outcome: string }) => `${e.type} ${e.outcome}`);
    expect(audited).toEqual(['reminder.sent success', 'reminder.failed failure']);
  });

  it('the owner sends one now to a selection: only members who must enrol and can be reached get one, and each send is audited', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await as('POST', '/api/v1/reminders', { memberIds: [member['alice'], member['bob'], member['dave'], unknown, member['alice']] });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([
      { memberId: member['alice'], status: 'sent', reason: null },
      { memberId: member['bob'], status: 'skipped', reason: 'no_email' },
      { memberId: member['dave'], status: 'skipped', reason: 'not_required' },
      { memberId: unknown, status: 'skipped', reason: 'not_found' },
    ]);
    expect(smtp.mails.map((m) => m.to)).toEqual([['alice@example.com']]);
    const mail = parseMail(smtp.mails[0]!.raw);
    expect(mail.subject).toBe('Action needed by 15 March 2026: set up two-step sign-in for Living room Jellyfin');
    expect(mail.text).toContain('in 14 days');
    const [entry] = (await as('GET', '/api/v1/audit?type=reminder.sent')).json().items;
    expect(entry).toMatchObject({ memberId: member['alice'], adminId: expect.any(String), details: { kind: 'manual', step: null, to: 'alice@example.com' } });
    // Sending now does not use up a scheduled step: the 3-day reminder still comes.
    t.clock.advance(11 * DAY);
    await tick();
    expect(smtp.mails).toHaveLength(2);
  });

  it('settings: sender name and message are the owner’s, validated, audited; switched off, no scheduled reminders go out', async () => {
    expect((await as('GET', '/api/v1/settings/reminders')).json()).toEqual({ enabled: true, senderName: null, effectiveSenderName: 'Olive Owner', message: null, reminderDays: [3, 0], updatedAt: null });
    for (const body of [{ enabled: true, senderName: 'x\ny', message: null }, { enabled: true, senderName: null, message: 'bell\u0007' }, { enabled: true, senderName: null, message: 'x'.repeat(2001) }, { enabled: true }]) {
      expect((await as('PUT', '/api/v1/settings/reminders', body)).statusCode).toBe(400);
    }
    const put = await as('PUT', '/api/v1/settings/reminders', { enabled: false, senderName: 'Olive from the Den', message: 'Thanks!\r\nO.' });
    expect(put.json()).toMatchObject({ enabled: false, senderName: 'Olive from the Den', effectiveSenderName: 'Olive from the Den', message: 'Thanks!\nO.' });
    const [change] = (await as('GET', '/api/v1/audit?type=reminder_settings.updated')).json().items;
    expect(change.details).toEqual({ before: null, after: { enabled: false, senderName: 'Olive from the Den', message: 'Thanks!\nO.' } });

    t.clock.advance(11 * DAY);
    await tick();
    expect(smtp.mails).toHaveLength(0);
    // Sending now still works, with the owner's words.
    await as('POST', '/api/v1/reminders', { memberIds: [member['alice']] });
    const mail = parseMail(smtp.mails[0]!.raw);
    expect(mail.text).toContain('Olive from the Den, who runs the media server');
    expect(mail.text).toContain('  > Thanks!\n  > O.');
  });

  it('lists members who must enrol but have no e-mail address', async () => {
    const items = (await as('GET', '/api/v1/reminders/unreachable')).json().items;
    expect(items).toEqual([{ memberId: member['bob'], serverId: expect.any(String), username: 'bob', displayName: null, policyId: expect.any(String), deadline: '2026-03-15T12:00:00.000Z', overdue: false }]);
  });
});
