import { DataSource } from 'typeorm';
import { credentialsFrom, registerServer, setupOwner, startTestApp, totpCode } from '../testing/harness';
import { parseMail, ParsedMail } from '../testing/mail';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { startSmtp } from '../testing/smtp';
import { SchedulerService } from '../scheduler/scheduler.service';

// Whole instances per test, some walking days of fake time: the root `npx jest` run does not apply the
// api project's testTimeout (30 s), so the file sets its own.
jest.setTimeout(60_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Received extends ParsedMail {
  day: number;
  to: string;
}

/**
 * The done-when test of reminders: a 14-day grace period walked through with a fake clock, two scheduler
 * instances ticking at once (one of them restarted half-way), and the exact e-mails a real SMTP server gets.
 */
function walkThroughGracePeriod(label: string, database: () => Promise<{ env: Record<string, string>; drop: () => Promise<void> } | null>) {
  it(label, async () => {
    const db = await database();
    if (!db) return;
    const smtp = await startSmtp();
    const env = { ...db.env, LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none' };
    const a = await startTestApp(env);
    let b = await startTestApp(env, { dataDir: a.dataDir, clock: a.clock });
    try {
      const owner = await setupOwner(a);
      const token: string = (await a.request({ method: 'POST', url: '/api/v1/admin/tokens', admin: owner, body: { name: 'test' } })).json().secret;
      const server = await registerServer(a, owner, 'Living room Jellyfin');
      const as = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) => a.request({ method, url, body, bearer: token });
      const push = (members: unknown[]) => a.request({ method: 'PATCH', url: '/api/v1/directory', bearer: server.apiKey, body: { members } });
      await push([
        { externalId: 'alice', username: 'alice', displayName: 'Alice', email: 'alice@example.com' },
        { externalId: 'bob', username: 'bob' },
        { externalId: 'carol', username: 'carol', email: 'carol@example.com' },
        { externalId: 'dave', username: 'dave', email: 'dave@example.com' },
        { externalId: 'frank', username: 'frank', email: 'frank@example.com' },
      ]);
      const ids = async () => Object.fromEntries(((await as('GET', '/api/v1/members?limit=500')).json().items as { id: string; username: string }[]).map((m) => [m.username, m.id]));
      const member = await ids();
      const t0 = a.clock.now();
      expect((await as('PUT', '/api/v1/settings/reminders', { enabled: true, senderName: null, message: 'Please do this before the holidays.\nIt keeps our server safe.' })).statusCode).toBe(200);
      expect((await as('POST', '/api/v1/exemptions', { memberId: member['dave'], reason: 'Only uses the kitchen TV' })).statusCode).toBe(201);
      expect((await as('POST', '/api/v1/exemptions', { memberId: member['frank'], reason: 'Travelling without a phone', expiresAt: new Date(t0.getTime() + 10 * DAY).toISOString() })).statusCode).toBe(201);
      expect((await as('POST', '/api/v1/policies', { name: 'Everyone', gracePeriodDays: 14, enabled: true })).statusCode).toBe(201);

      const received: Received[] = [];
      for (let hours = 3; hours <= 16 * 24; hours += 3) {
        a.clock.set(new Date(t0.getTime() + hours * HOUR));
        const day = hours / 24;
        if (day === 3) await push([{ externalId: 'erin', username: 'erin', email: 'erin@example.com' }]); // her own 14 days: deadline on day 17
        if (day === 8) {
          // An instance restarts: what was sent stays sent.
          await b.close();
          b = await startTestApp(env, { dataDir: a.dataDir, clock: a.clock });
        }
        if (day === 12) {
          // Carol enrols from the personal link in her latest reminder.
          const mail = [...received].reverse().find((m) => m.to === 'carol@example.com')!;
          const link = /#link=([\w-]+)/.exec(mail.text)![1];
          const session = credentialsFrom(await a.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } }));
          const start = (await a.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: session })).json();
          const confirmed = await a.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: session, body: { code: totpCode(a, start.secret) } });
          expect(confirmed.statusCode).toBe(200);
        }
        await Promise.all([a.app.get(SchedulerService).tick(), b.app.get(SchedulerService).tick()]);
        for (const m of smtp.mails.splice(0)) received.push({ day, to: m.to.join(','), ...parseMail(m.raw) });
      }

      const summary = received.map((m) => `day ${m.day} → ${m.to}: ${m.subject}`);
      const remind = (day: number, who: string, by: string) => `day ${day} → ${who}@example.com: Action needed by ${by}: set up two-step sign-in for Living room Jellyfin`;
      const passed = (day: number, who: string) => `day ${day} → ${who}@example.com: Deadline passed: set up two-step sign-in for Living room Jellyfin now`;
      const exemption = (day: number, subject: string) => `day ${day} → owner@example.com: ${subject}`;
      // Sorted within a day: the order of sends inside one tick is not part of the promise.
      const byDay = (lines: string[]) => [...lines].sort((x, y) => Number(x.split(' ')[1]) - Number(y.split(' ')[1]) || x.localeCompare(y));
      expect(byDay(summary)).toEqual(
        byDay([
          exemption(3, 'Exemption for frank ends 11 March 2026: renew it or let it end'),
          remind(7, 'alice', '15 March 2026'),
          remind(7, 'carol', '15 March 2026'),
          exemption(7, 'Exemption for frank ends 11 March 2026: renew it or let it end'),
          exemption(9, 'Exemption for frank ends 11 March 2026: renew it or let it end'),
          exemption(10, 'Exemption for frank has ended'),
          remind(10, 'frank', '15 March 2026'),
          remind(10, 'erin', '18 March 2026'),
          remind(11, 'alice', '15 March 2026'),
          remind(11, 'carol', '15 March 2026'),
          remind(11, 'frank', '15 March 2026'),
          remind(13, 'alice', '15 March 2026'),
          remind(13, 'frank', '15 March 2026'),
          passed(14, 'alice'),
          passed(14, 'frank'),
          remind(14, 'erin', '18 March 2026'),
          remind(16, 'erin', '18 March 2026'),
        ]),
      );

      // What a reminder says: who requires it (the owner, by name), by when, the owner's words, a personal link.
      const first = received.find((m) => m.to === 'alice@example.com')!;
      expect(first.text).toContain('Hello Alice,');
      expect(first.text).toContain('Olive Owner, who runs the media server Living room Jellyfin, requires everyone who signs in to it to set up two-step sign-in (multi-factor authentication) by 15 March 2026, 12:00 UTC — in 7 days.');
      expect(first.text).toContain('  > Please do this before the holidays.\n  > It keeps our server safe.');
      expect(first.text).toMatch(/http:\/\/localhost:8080\/enrol#link=[\w-]{43}/);
      expect(first.html).toContain('Olive Owner, who runs the media server Living room Jellyfin');
      expect(first.html).toMatch(/<a href="http:\/\/localhost:8080\/enrol#link=[\w-]{43}"/);
      expect(first.html).toContain('Please do this before the holidays.<br>It keeps our server safe.');
      // Every link is personal: no two reminders share one.
      const links = received.map((m) => /#link=([\w-]+)/.exec(m.text)?.[1]).filter(Boolean);
      expect(new Set(links).size).toBe(links.length);

      // Bob has no address: listed for the owner, never mailed.
      const unreachable = (await as('GET', '/api/v1/reminders/unreachable')).json().items;
      expect(unreachable).toEqual([expect.objectContaining({ memberId: member['bob'], username: 'bob', overdue: true, deadline: new Date(t0.getTime() + 14 * DAY).toISOString() })]);

      // Every send audited; the chain still verifies.
      const audited = (await as('GET', '/api/v1/audit?type=reminder.sent&limit=500')).json().items;
      expect(audited).toHaveLength(received.length);
      expect((await as('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
      const rows = await a.app.get(DataSource).query("SELECT COUNT(*) AS n FROM reminders WHERE status = 'sent'");
      expect(Number(rows[0].n)).toBe(received.length);
    } finally {
      await b.close();
      await a.close();
      await smtp.close();
      await db.drop();
    }
  });
}

describe('reminders through a 14-day grace period', () => {
  walkThroughGracePeriod('two instances on one SQLite file: each step once, to exactly the right people', async () => ({ env: {}, drop: async () => undefined }));
  walkThroughGracePeriod('two instances on one PostgreSQL database (runs when PostgreSQL is reachable)', async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL here; the SQLite run covered the schedule.
      console.warn('PostgreSQL not reachable: the PostgreSQL reminders walk did not run.');
      return null;
    }
    const db = await createTestDatabase();
    return { env: { DATABASE_URL: db.url }, drop: db.drop };
  });
});
