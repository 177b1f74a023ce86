import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OWNER } from '../testing/harness';
import { startSmtp } from '../testing/smtp';
import { report } from './kit';
import { call, Caller, ensureBuilt, follow, HttpAnswer, Proc, startProcess, totpNow } from './service';

/**
 * CWE-312 / CWE-532 · secrets at rest and in logs. The built service runs every flow that hands out a
 * secret (setup link, passwords, admin and member sessions and their CSRF tokens, authenticator
 * secrets, recovery codes, e-mail codes, admin tokens, server keys old and new, member-page links,
 * TV user codes, completion tokens), with logs at `trace`. Afterwards neither a dump of every table,
 * nor the raw bytes of the database and its write-ahead log, nor the logs contain any of them.
 */
let proc: Proc;
let dataDir: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
/** Each secret with a name, for a readable failure. */
const secrets: [string, string][] = [];
const keep = (name: string, value: unknown) => {
  if (typeof value === 'string' && value.length > 0) secrets.push([name, value]);
};
const cookieValue = (c: Caller) => c.cookie?.slice(c.cookie.indexOf('=') + 1);

async function req(method: string, url: string, who: Caller = {}, body?: unknown): Promise<HttpAnswer> {
  const res = await call(proc.base, method, url, who, body);
  if (res.status >= 300 || res.status === 0) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

function keepSession(name: string, c: Caller): Caller {
  keep(`${name} cookie`, cookieValue(c));
  keep(`${name} CSRF token`, c.csrf);
  return c;
}

async function lastMailedCode(previous?: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const code = smtp.lastCode();
    if (code && code !== previous) return code;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no code was mailed');
}

describe('CWE-312 / CWE-532 · no secret in the database, its files or the logs', () => {
  beforeAll(async () => {
    ensureBuilt();
    smtp = await startSmtp();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-secrets-'));
    proc = await startProcess(dataDir, { LATCHKEY_LOG_LEVEL: 'trace', LATCHKEY_SMTP_HOST: '127.0.0.1', LATCHKEY_SMTP_PORT: String(smtp.port), LATCHKEY_SMTP_SECURITY: 'none' });

    // Owner: setup link, password, authenticator app, sessions before and after the second factor, recovery codes, admin token.
    expect(proc.ready).toBe(true);
    const setupToken = /\/admin\/setup#token=([\w-]+)/.exec(proc.output())?.[1];
    keep('setup token', setupToken);
    keep('owner password', OWNER.password);
    let owner = keepSession('owner password-only session', follow({}, await req('POST', '/api/v1/admin/setup', {}, { token: setupToken, ...OWNER })));
    const totp = await req('POST', '/api/v1/admin/mfa/totp', owner);
    keep('owner TOTP secret', totp.body['secret']);
    owner = keepSession('owner session', follow(owner, await req('POST', `/api/v1/admin/mfa/totp/${String(totp.body['factorId'])}/confirm`, owner, { code: totpNow(String(totp.body['secret'])) })));
    const adminCodes = (await req('POST', '/api/v1/admin/mfa/recovery-codes', owner)).body['codes'] as string[];
    adminCodes.forEach((c, i) => (keep(`owner recovery code ${i}`, c), keep(`owner recovery code ${i} undashed`, c.replace(/-/g, ''))));
    keep('admin token', (await req('POST', '/api/v1/admin/tokens', owner, { name: 'scripts' })).body['secret']);
    // A second sign-in, finished with a recovery code.
    let again = keepSession('owner second session (password only)', follow({}, await req('POST', '/api/v1/admin/session', {}, { email: OWNER.email, password: OWNER.password })));
    const ch = await req('POST', '/api/v1/admin/mfa/challenge', again);
    again = keepSession('owner second session', follow(again, await req('POST', `/api/v1/admin/mfa/challenge/${String(ch.body['id'])}/verify`, again, { method: 'recovery_code', code: adminCodes[0] })));

    // Server: key, then a rotated key.
    const server = await req('POST', '/api/v1/servers', owner, { name: 'Den', kind: 'jellyfin', baseUrl: 'http://jellyfin.lan:8096' });
    keep('server key (first)', server.body['apiKey']);
    const serverId = String((server.body['server'] as { id: string }).id);
    const key = String((await req('POST', `/api/v1/servers/${serverId}/api-key`, owner)).body['apiKey']);
    keep('server key (rotated)', key);

    // Member: link, sessions, authenticator app, recovery codes, e-mail codes.
    await req('PATCH', '/api/v1/directory', { bearer: key }, { members: [{ externalId: 'mia', username: 'mia', email: 'mia@example.com' }] });
    const link = new URL(String((await req('POST', '/api/v1/directory/members/mia/links', { bearer: key }, {})).body['url'])).hash.slice('#link='.length);
    keep('member link', link);
    let mia = keepSession('member session', follow({}, await req('POST', '/api/v1/portal/session', {}, { link })));
    const mt = await req('POST', '/api/v1/me/factors/totp', mia);
    keep('member TOTP secret', mt.body['secret']);
    mia = keepSession('member session after enrolment', follow(mia, await req('POST', `/api/v1/me/factors/totp/${String(mt.body['factorId'])}/confirm`, mia, { code: totpNow(String(mt.body['secret'])) })));
    const memberCodes = (await req('POST', '/api/v1/me/factors/recovery-codes', mia)).body['codes'] as string[];
    memberCodes.forEach((c, i) => (keep(`member recovery code ${i}`, c), keep(`member recovery code ${i} undashed`, c.replace(/-/g, ''))));
    const ef = await req('POST', '/api/v1/me/factors/email', mia, {});
    const confirmCode = await lastMailedCode();
    keep('e-mail confirmation code', confirmCode);
    mia = keepSession('member session after e-mail', follow(mia, await req('POST', `/api/v1/me/factors/email/${String(ef.body['factorId'])}/confirm`, mia, { code: confirmCode })));
    const step = await req('POST', '/api/v1/me/challenges', mia);
    await req('POST', `/api/v1/me/challenges/${String(step.body['id'])}/email`, mia);
    const stepCode = await lastMailedCode(confirmCode);
    keep('e-mail challenge code', stepCode);
    keepSession('member session after step-up', follow(mia, await req('POST', `/api/v1/me/challenges/${String(step.body['id'])}/verify`, mia, { method: 'email', code: stepCode })));

    // A sign-in held by a challenge: portal link, TV user code, completion token.
    await req('POST', '/api/v1/policies', owner, { name: 'Everyone', enabled: true, gracePeriodDays: 0 });
    const login = await req('POST', '/api/v1/logins', { bearer: key }, { member: { externalId: 'mia' }, device: { id: 'tv' }, client: { name: 'Jellyfin TV' } });
    const challenge = login.body['challenge'] as { id: string; portalUrl: string; userCode: string };
    const verifyLink = /#link=([^&]+)/.exec(challenge.portalUrl)?.[1];
    keep('challenge portal link', verifyLink);
    keep('TV user code', challenge.userCode);
    keep('TV user code undashed', challenge.userCode.replace('-', ''));
    const tv = keepSession('member session from the challenge link', follow({}, await req('POST', '/api/v1/portal/session', {}, { link: verifyLink })));
    await req('POST', `/api/v1/me/challenges/${challenge.id}/verify`, tv, { method: 'recovery_code', code: memberCodes[1] });
    const done = await req('GET', `/api/v1/challenges/${challenge.id}`, { bearer: key });
    keep('completion token', (done.body['completion'] as { token?: string } | null)?.token);
    await proc.stop();
  }, 120_000);

  afterAll(async () => {
    await proc?.stop();
    await smtp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('every kind of secret was handed out (the test saw them all)', () => {
    const names = secrets.map(([n]) => n);
    for (const kind of ['setup token', 'owner TOTP secret', 'owner recovery code 0', 'admin token', 'server key (rotated)', 'member link', 'member TOTP secret', 'member recovery code 9', 'e-mail challenge code', 'TV user code', 'completion token', 'member session after step-up cookie', 'owner session CSRF token']) {
      expect(names).toContain(kind);
    }
    report('secrets', { secrets: secrets.length });
  });

  it('a dump of every table, and the raw database and write-ahead-log files, contain none of them', () => {
    const file = path.join(dataDir, 'latchkey.db');
    const db = new Database(file, { readonly: true });
    let dump = '';
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
        dump += JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_k, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'bigint' ? String(v) : v));
      }
    } finally {
      db.close();
    }
    const raw = [file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
    for (const [name, value] of secrets) {
      const pattern = /^\d{6}$/.test(value) ? new RegExp(`(?<![0-9a-fA-F])${value}(?![0-9a-fA-F])`) : null;
      const found = (s: string) => (pattern ? pattern.test(s) : s.includes(value));
      expect({ name, inDump: found(dump), inFiles: found(raw) }).toEqual({ name, inDump: false, inFiles: false });
    }
  });

  it('the logs (at trace level) contain none of them — but the setup link printed on purpose for the person starting the service', () => {
    const logs = proc.output().replace(/\/admin\/setup#token=[\w-]+/, '/admin/setup#token=<printed on purpose>');
    expect(logs.length).toBeGreaterThan(1_000);
    for (const [name, value] of secrets) {
      const pattern = /^\d{6}$/.test(value) ? new RegExp(`(?<![0-9])${value}(?![0-9])`) : null;
      const hit = pattern ? pattern.exec(logs)?.index ?? -1 : logs.indexOf(value);
      expect({ name, inLogs: hit >= 0 ? logs.slice(Math.max(0, hit - 300), hit + 60) : false }).toEqual({ name, inLogs: false });
    }
  });
});
