import fs from 'node:fs';
import { DataSource } from 'typeorm';
import { AdminCredentials, memberSession, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { startSmtp } from '../testing/smtp';

/**
 * Member factors, each promise of DESIGN.md as a test named after the threat it stops. Runs on a real
 * SQLite file with migrations, a real SMTP server, and a clock the tests move.
 */
describe('member factors', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let serverKey: string;
  let me: AdminCredentials;

  const req = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, who: AdminCredentials = me) => t.request({ method, url, body, admin: who });
  /** Follows a session rotation: the response that carries a new cookie becomes the session. */
  const follow = (res: { cookies: { name: string; value: string }[]; json: () => { csrfToken?: string } }) => {
    const c = res.cookies.find((x) => x.name.endsWith('latchkey_member'));
    if (c) me = { cookie: `${c.name}=${c.value}`, csrfToken: res.json().csrfToken ?? me.csrfToken };
  };

  async function enrolTotp(): Promise<string> {
    const start = await req('POST', '/api/v1/me/factors/totp');
    expect(start.statusCode).toBe(201);
    const { factorId, secret, otpauthUri, qrCodeSvg } = start.json();
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrCodeSvg).toMatch(/^data:image\/svg\+xml;base64,/);
    const done = await req('POST', `/api/v1/me/factors/totp/${factorId}/confirm`, { code: totpCode(t, secret) });
    expect(done.statusCode).toBe(200);
    follow(done);
    return secret;
  }

  async function stepUp(method: 'totp' | 'recovery_code' | 'email', code: string): Promise<number> {
    const c = await req('POST', '/api/v1/me/challenges');
    const res = await req('POST', `/api/v1/me/challenges/${c.json().id}/verify`, { method, code });
    if (res.statusCode === 200) follow(res);
    return res.statusCode;
  }

  beforeEach(async () => {
    smtp = await startSmtp();
    t = await startTestApp({ LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none', LATCHKEY_CHALLENGE_ATTEMPTS: '20', LATCHKEY_LOCKOUT_THRESHOLD: '100' });
    const admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
    me = await memberSession(t, serverKey);
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  describe('TOTP', () => {
    it('enrolment stays pending until confirmed with a valid code', async () => {
      const start = (await req('POST', '/api/v1/me/factors/totp')).json();
      expect((await req('GET', '/api/v1/me/factors')).json().items).toEqual([]);
      const wrong = await req('POST', `/api/v1/me/factors/totp/${start.factorId}/confirm`, { code: '000000' });
      expect(wrong.json().error.code).toBe('verification_failed');
      await req('POST', `/api/v1/me/factors/totp/${start.factorId}/confirm`, { code: totpCode(t, start.secret) }).then(follow);
      expect((await req('GET', '/api/v1/me/factors')).json().items).toEqual([expect.objectContaining({ kind: 'totp', phishingResistant: false })]);
    });

    it('replayed code: a time step is accepted once, and the replay is audited', async () => {
      const secret = await enrolTotp();
      t.clock.advance(30_000);
      const code = totpCode(t, secret);
      expect(await stepUp('totp', code)).toBe(200);
      expect(await stepUp('totp', code)).toBe(400);
      const rows = await t.app.get(DataSource).query("SELECT outcome FROM audit_events WHERE type = 'verification.replay'");
      expect(rows).toEqual([{ outcome: 'denied' }]);
    });

    it('a code spent by 20 parallel requests succeeds exactly once', async () => {
      const secret = await enrolTotp();
      t.clock.advance(30_000);
      const code = totpCode(t, secret);
      const challenges = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/api/v1/me/challenges')));
      const results = await Promise.all(challenges.map((c) => req('POST', `/api/v1/me/challenges/${c.json().id}/verify`, { method: 'totp', code })));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      // The losers fail as wrong codes, or find their session already renewed by the winner.
      for (const r of results.filter((x) => x.statusCode !== 200)) expect(['verification_failed', 'unauthenticated']).toContain(r.json().error.code);
    });

    it('accepts the previous and next step, not older ones', async () => {
      const secret = await enrolTotp();
      t.clock.advance(120_000);
      const past = totpCode(t, secret);
      t.clock.advance(30_000);
      expect(await stepUp('totp', past)).toBe(200);
      t.clock.advance(60_000);
      const stale = totpCode({ ...t, clock: { now: () => new Date(t.clock.now().getTime() - 60_000) } } as TestApp, secret);
      expect(await stepUp('totp', stale)).toBe(400);
    });

    it('re-enrolling (rotation) needs a current factor first', async () => {
      await enrolTotp();
      t.clock.advance(11 * 60_000);
      const res = await req('POST', '/api/v1/me/factors/totp');
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('verification_required');
    });

    it('the secret is encrypted at rest', async () => {
      const secret = await enrolTotp();
      const rows = await t.app.get(DataSource).query("SELECT secret FROM factors WHERE kind = 'totp'");
      expect(rows[0].secret).toMatch(/^lk1\./);
      expect(rows[0].secret).not.toContain(secret);
    });
  });

  describe('recovery codes', () => {
    it('ten codes of at least 64 bits, shown once, counted as they are used', async () => {
      await enrolTotp();
      const res = await req('POST', '/api/v1/me/factors/recovery-codes');
      expect(res.statusCode).toBe(201);
      const { codes } = res.json();
      expect(codes).toHaveLength(10);
      for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}$/);
      expect(await stepUp('recovery_code', codes[0].toLowerCase().replace(/-/g, ' '))).toBe(200);
      expect((await req('GET', '/api/v1/me/factors/recovery-codes')).json()).toMatchObject({ total: 10, remaining: 9 });
      expect(await stepUp('recovery_code', codes[0])).toBe(400);
    });

    it('a code spent by 20 parallel requests succeeds exactly once', async () => {
      await enrolTotp();
      const { codes } = (await req('POST', '/api/v1/me/factors/recovery-codes')).json();
      const challenges = await Promise.all(Array.from({ length: 20 }, () => req('POST', '/api/v1/me/challenges')));
      const results = await Promise.all(challenges.map((c) => req('POST', `/api/v1/me/challenges/${c.json().id}/verify`, { method: 'recovery_code', code: codes[3] })));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    });

    it('regenerating replaces the whole set', async () => {
      await enrolTotp();
      const first = (await req('POST', '/api/v1/me/factors/recovery-codes')).json().codes;
      const second = (await req('POST', '/api/v1/me/factors/recovery-codes')).json().codes;
      expect(await stepUp('recovery_code', first[0])).toBe(400);
      expect(await stepUp('recovery_code', second[0])).toBe(200);
    });

    it('one member’s code does not verify another member', async () => {
      await enrolTotp();
      const { codes } = (await req('POST', '/api/v1/me/factors/recovery-codes')).json();
      const alice = me;
      me = await memberSession(t, serverKey, 'm-2', null);
      await enrolTotp();
      expect(await stepUp('recovery_code', codes[0])).toBe(400);
      me = alice;
      expect(await stepUp('recovery_code', codes[0])).toBe(200);
    });
  });

  describe('e-mail codes', () => {
    async function enrolEmail(): Promise<void> {
      const start = await req('POST', '/api/v1/me/factors/email', {});
      expect(start.statusCode).toBe(201);
      expect(start.json().sentTo).toBe('m•••••@example.com');
      const code = smtp.lastCode('member@example.com');
      const done = await req('POST', `/api/v1/me/factors/email/${start.json().factorId}/confirm`, { code });
      expect(done.statusCode).toBe(200);
      follow(done);
    }

    it('the address counts only once confirmed with the code mailed to it (plain text and HTML)', async () => {
      const start = await req('POST', '/api/v1/me/factors/email', {});
      expect((await req('GET', '/api/v1/me/factors')).json().items).toEqual([]);
      const raw = smtp.mails.at(-1)?.raw ?? '';
      expect(raw).toMatch(/Content-Type: text\/plain/);
      expect(raw).toMatch(/Content-Type: text\/html/);
      await req('POST', `/api/v1/me/factors/email/${start.json().factorId}/confirm`, { code: smtp.lastCode() }).then(follow);
      expect((await req('GET', '/api/v1/me/factors')).json().items).toEqual([expect.objectContaining({ kind: 'email' })]);
    });

    it('a code is bound to its challenge, works once, and expires after 10 minutes', async () => {
      await enrolEmail();
      t.clock.advance(11 * 60_000);
      const a = (await req('POST', '/api/v1/me/challenges')).json().id;
      const b = (await req('POST', '/api/v1/me/challenges')).json().id;
      await req('POST', `/api/v1/me/challenges/${a}/email`);
      const codeA = smtp.lastCode();
      expect((await req('POST', `/api/v1/me/challenges/${b}/verify`, { method: 'email', code: codeA })).statusCode).toBe(400);
      t.clock.advance(10 * 60_000 + 1);
      expect((await req('POST', `/api/v1/me/challenges/${a}/verify`, { method: 'email', code: codeA })).statusCode).toBe(400);
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      await req('POST', `/api/v1/me/challenges/${c}/email`);
      const codeC = smtp.lastCode();
      t.clock.advance(9 * 60_000);
      expect((await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'email', code: codeC })).statusCode).toBe(200);
    });

    it('a resend invalidates the old code but keeps the failure count', async () => {
      await enrolEmail();
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      await req('POST', `/api/v1/me/challenges/${c}/email`);
      const old = smtp.lastCode();
      await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'email', code: '000000' });
      await req('POST', `/api/v1/me/challenges/${c}/email`);
      const fresh = smtp.lastCode();
      expect((await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'email', code: old })).statusCode).toBe(old === fresh ? 200 : 400);
      const rows = await t.app.get(DataSource).query('SELECT attempts FROM challenges WHERE id = ?', [c]);
      expect(rows[0].attempts).toBe(2);
    });

    it('a code spent by 20 parallel requests succeeds exactly once', async () => {
      await enrolEmail();
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      await req('POST', `/api/v1/me/challenges/${c}/email`);
      const code = smtp.lastCode();
      const results = await Promise.all(Array.from({ length: 20 }, () => req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'email', code })));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    });

    it('sending is rate-limited per member', async () => {
      await enrolEmail();
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await req('POST', `/api/v1/me/challenges/${c}/email`)).statusCode);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    });
  });

  describe('brute force', () => {
    it('a challenge allows only its attempt budget, even with the right code afterwards', async () => {
      await t.close();
      t = await startTestApp({ LATCHKEY_CHALLENGE_ATTEMPTS: '5' });
      const admin = await setupOwner(t);
      serverKey = (await registerServer(t, admin)).apiKey;
      me = await memberSession(t, serverKey);
      const secret = await enrolTotp();
      t.clock.advance(30_000);
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      for (let i = 0; i < 5; i++) await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'totp', code: '000000' });
      const right = await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'totp', code: totpCode(t, secret) });
      expect(right.statusCode).toBe(400);
      expect(right.json().error.code).toBe('verification_failed');
    });

    it('lockout: after the threshold the right code gets the same generic error, until the lockout ends', async () => {
      await t.close();
      t = await startTestApp({ LATCHKEY_LOCKOUT_THRESHOLD: '10', LATCHKEY_LOCKOUT_MINUTES: '15', LATCHKEY_CHALLENGE_ATTEMPTS: '20' });
      const admin = await setupOwner(t);
      serverKey = (await registerServer(t, admin)).apiKey;
      me = await memberSession(t, serverKey);
      const secret = await enrolTotp();
      const wrong = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const c = (await req('POST', '/api/v1/me/challenges')).json().id;
          const out = [];
          for (let i = 0; i < 4; i++) out.push(await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'totp', code: '000000' }));
          return out;
        }),
      );
      const bodies = new Set(wrong.flat().map((r) => JSON.stringify({ s: r.statusCode, c: r.json().error.code, m: r.json().error.message })));
      expect(bodies.size).toBe(1);
      t.clock.advance(30_000);
      const locked = await req('POST', `/api/v1/me/challenges/${(await req('POST', '/api/v1/me/challenges')).json().id}/verify`, { method: 'totp', code: totpCode(t, secret) });
      expect(locked.statusCode).toBe(400);
      expect(JSON.stringify({ s: locked.statusCode, c: locked.json().error.code, m: locked.json().error.message })).toBe([...bodies][0]);
      t.clock.advance(15 * 60_000);
      expect(await stepUp('totp', totpCode(t, secret))).toBe(200);
      const audit = await t.app.get(DataSource).query("SELECT count(*) AS n FROM audit_events WHERE type = 'verification' AND details LIKE '%lockout%'");
      expect(Number(audit[0].n)).toBeGreaterThan(0);
    });

    it('a challenge belongs to its member: another member cannot answer or even see it', async () => {
      await enrolTotp();
      const c = (await req('POST', '/api/v1/me/challenges')).json().id;
      const bob = await memberSession(t, serverKey, 'm-2', null);
      const res = await req('POST', `/api/v1/me/challenges/${c}/verify`, { method: 'totp', code: '123456' }, bob);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('challenge_not_found');
    });
  });

  describe('changing factors', () => {
    it('needs a fresh verification with an existing factor, and the session id changes after it', async () => {
      const secret = await enrolTotp();
      t.clock.advance(11 * 60_000);
      const factors = (await req('GET', '/api/v1/me/factors')).json().items;
      expect((await req('DELETE', `/api/v1/me/factors/${factors[0].id}`)).json().error.code).toBe('verification_required');
      const before = me.cookie;
      expect(await stepUp('totp', totpCode(t, secret))).toBe(200);
      expect(me.cookie).not.toBe(before);
      expect((await t.request({ method: 'GET', url: '/api/v1/me', headers: { cookie: before } })).statusCode).toBe(401);
      expect((await req('DELETE', `/api/v1/me/factors/${factors[0].id}`)).statusCode).toBe(204);
    });

    it('members are told by e-mail when a factor is added or removed', async () => {
      const start = await req('POST', '/api/v1/me/factors/email', {});
      await req('POST', `/api/v1/me/factors/email/${start.json().factorId}/confirm`, { code: smtp.lastCode() }).then(follow);
      await enrolTotp();
      expect(smtp.mails.at(-1)?.raw).toMatch(/Subject: A sign-in method was added/);
    });
  });

  it('a member-pages link works once and only for a short while', async () => {
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId: 'm-9', username: 'z' }] } });
    const link = new URL((await t.request({ method: 'POST', url: '/api/v1/directory/members/m-9/links', bearer: serverKey, body: {} })).json().url).hash.slice(6);
    expect((await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } })).statusCode).toBe(201);
    const again = await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } });
    expect(again.json().error.code).toBe('link_invalid');
    const late = new URL((await t.request({ method: 'POST', url: '/api/v1/directory/members/m-9/links', bearer: serverKey, body: {} })).json().url).hash.slice(6);
    t.clock.advance(15 * 60_000 + 1);
    expect((await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: late } })).json().error.code).toBe('link_invalid');
    expect((await t.request({ method: 'POST', url: '/api/v1/directory/members/nobody/links', bearer: serverKey, body: {} })).json().error.code).toBe('member_not_found');
  });

  it('the database holds no plaintext TOTP secret, recovery code, e-mail code or token', async () => {
    const secret = await enrolTotp();
    const { codes } = (await req('POST', '/api/v1/me/factors/recovery-codes')).json();
    const start = await req('POST', '/api/v1/me/factors/email', {});
    const emailCode = smtp.lastCode();
    await req('POST', `/api/v1/me/factors/email/${start.json().factorId}/confirm`, { code: emailCode }).then(follow);
    const sessionToken = me.cookie.split('=')[1] ?? '';
    const ds = t.app.get(DataSource);
    const tables: { name: string }[] = await ds.query("SELECT name FROM sqlite_master WHERE type = 'table'");
    let dump = '';
    for (const { name } of tables) dump += JSON.stringify(await ds.query(`SELECT * FROM "${name}"`));
    // And the raw files: free pages and the write-ahead log keep what a table dump no longer shows.
    const file = t.config.database.kind === 'sqlite' ? t.config.database.file : '';
    dump += [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
    for (const plain of [secret, ...codes, ...codes.map((c: string) => c.replace(/-/g, '')), sessionToken, serverKey]) {
      expect({ plain, found: dump.includes(plain) }).toEqual({ plain, found: false });
    }
    expect(dump.includes(`"${emailCode}"`)).toBe(false);
  });
});
