import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OWNER } from '../testing/harness';
import { report, SCALE } from './kit';
import { call, Caller, ensureBuilt, follow, HttpAnswer, Proc, startProcess, totpNow } from './service';

/**
 * `kill -9` of the built service in a loop while sign-in decisions, code uses and enrolments are in
 * flight. After every crash the SQLite file passes `PRAGMA integrity_check`, no factor is half-written,
 * the service starts again on the same data directory, the audit chain verifies, and no recovery code
 * or authenticator time step that was accepted before a crash is accepted again after it.
 */
const LOOPS = Math.max(2, Math.round(4 * SCALE));
const MEMBERS = 12;
const ENV = { LATCHKEY_LOCKOUT_THRESHOLD: '100', LATCHKEY_IP_ATTEMPTS_PER_15_MIN: '100000', LATCHKEY_CHALLENGE_ATTEMPTS: '20' };

interface Enrolled {
  externalId: string;
  secret: string;
  codes: string[];
}

const stats = { loops: 0, integrityChecks: 0, requests: 0, status5xx: 0, networkErrors: 0, codesAccepted: 0, replaysRefused: 0, enrolments: 0, logins: 0 };
/** How often each recovery code / authenticator time step was accepted: never more than once. */
const accepted = new Map<string, number>();
const replayed = new Set<string>();
let dataDir: string;
let proc: Proc;
let admin: Caller;
let serverKey: string;
const enrolled: Enrolled[] = [];

async function req(method: string, url: string, who: Caller = {}, body?: unknown): Promise<HttpAnswer> {
  const res = await call(proc.base, method, url, who, body);
  stats.requests++;
  if (res.status === 0) stats.networkErrors++;
  if (res.status >= 500 && res.status !== 503) stats.status5xx++;
  return res;
}

/** A fresh member-pages session, from a link the server mints. */
async function memberSession(externalId: string): Promise<Caller | null> {
  const link = await req('POST', `/api/v1/directory/members/${externalId}/links`, { bearer: serverKey }, {});
  if (link.status !== 201) return null;
  const token = new URL(String(link.body['url'])).hash.slice('#link='.length);
  const s = await req('POST', '/api/v1/portal/session', {}, { link: token });
  return s.status === 201 ? follow({}, s) : null;
}

async function enrol(externalId: string): Promise<void> {
  await req('PATCH', '/api/v1/directory', { bearer: serverKey }, { members: [{ externalId, username: externalId }] });
  let me = await memberSession(externalId);
  if (!me) return;
  const start = await req('POST', '/api/v1/me/factors/totp', me);
  if (start.status !== 201) return;
  const secret = String(start.body['secret']);
  const done = await req('POST', `/api/v1/me/factors/totp/${String(start.body['factorId'])}/confirm`, me, { code: totpNow(secret) });
  if (done.status !== 200) return;
  me = follow(me, done);
  const rc = await req('POST', '/api/v1/me/factors/recovery-codes', me);
  if (rc.status !== 201) return;
  enrolled.push({ externalId, secret, codes: rc.body['codes'] as string[] });
  stats.enrolments++;
}

/** Answers a fresh step-up challenge; counts acceptances per code (or per time step for TOTP). */
async function use(e: Enrolled, method: 'totp' | 'recovery_code', code: string): Promise<number> {
  const me = await memberSession(e.externalId);
  if (!me) return 0;
  const c = await req('POST', '/api/v1/me/challenges', me);
  if (c.status !== 201) return c.status;
  const res = await req('POST', `/api/v1/me/challenges/${String(c.body['id'])}/verify`, me, { method, code });
  if (res.status === 200) {
    const key = `${e.externalId}:${method}:${code}`;
    accepted.set(key, (accepted.get(key) ?? 0) + 1);
    stats.codesAccepted++;
  }
  return res.status;
}

/** Sign-ins, code uses and enrolments, all at once, until `until` says stop. */
async function workload(loop: number, until: () => boolean): Promise<void> {
  let n = 0;
  const logins = async () => {
    while (!until()) {
      const res = await req('POST', '/api/v1/logins', { bearer: serverKey }, { member: { externalId: `m${n++ % MEMBERS}` }, device: { id: `tv-${n}` }, client: { name: 'Jellyfin Web' } });
      if (res.status === 200) stats.logins++;
    }
  };
  const codes = async () => {
    while (!until()) {
      const e = enrolled[n % Math.max(1, enrolled.length)];
      if (!e) return;
      const code = e.codes.shift();
      await use(e, code ? 'recovery_code' : 'totp', code ?? totpNow(e.secret));
    }
  };
  const enrolments = async () => {
    for (let i = 0; !until(); i++) await enrol(`e${loop}-${i}`);
  };
  await Promise.all([logins(), codes(), codes(), enrolments()]);
}

/** Checks the database file while the service is down. */
function checkDatabase(): void {
  const db = new Database(path.join(dataDir, 'latchkey.db'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // No half-written factor: a secret for every authenticator app, ten codes for every active set, an address for every active e-mail factor.
    expect(db.prepare("SELECT id FROM factors WHERE kind = 'totp' AND (secret IS NULL OR secret NOT LIKE 'lk1.%')").all()).toEqual([]);
    expect(db.prepare("SELECT f.id, count(r.id) AS n FROM factors f LEFT JOIN recovery_codes r ON r.factor_id = f.id WHERE f.kind = 'recovery_codes' AND f.status = 'active' GROUP BY f.id HAVING n <> 10").all()).toEqual([]);
    expect(db.prepare("SELECT id FROM factors WHERE kind = 'email' AND status = 'active' AND email IS NULL").all()).toEqual([]);
    expect(db.prepare('SELECT id FROM factors WHERE (member_id IS NULL) = (admin_id IS NULL)').all()).toEqual([]);
    expect(db.prepare("SELECT id FROM challenges WHERE status = 'completed' AND (completed_at IS NULL OR completed_method IS NULL)").all()).toEqual([]);
    stats.integrityChecks++;
  } finally {
    db.close();
  }
}

describe('kill -9 in a loop while sign-ins, code uses and enrolments run', () => {
  beforeAll(async () => {
    ensureBuilt();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-crash-'));
    proc = await startProcess(dataDir, ENV);
    expect(proc.ready).toBe(true);
    const token = /\/admin\/setup#token=([\w-]+)/.exec(proc.output())?.[1];
    expect(token).toBeDefined();
    const setup = await req('POST', '/api/v1/admin/setup', {}, { token, ...OWNER });
    let owner = follow({}, setup);
    const totp = await req('POST', '/api/v1/admin/mfa/totp', owner);
    const confirmed = await req('POST', `/api/v1/admin/mfa/totp/${String(totp.body['factorId'])}/confirm`, owner, { code: totpNow(String(totp.body['secret'])) });
    owner = follow(owner, confirmed);
    admin = owner;
    const server = await req('POST', '/api/v1/servers', admin, { name: 'Crashy', kind: 'jellyfin', baseUrl: 'http://jellyfin.lan:8096' });
    serverKey = String(server.body['apiKey']);
    await req('PATCH', '/api/v1/directory', { bearer: serverKey }, { members: Array.from({ length: MEMBERS }, (_, i) => ({ externalId: `m${i}`, username: `member${i}` })) });
    expect((await req('POST', '/api/v1/policies', admin, { name: 'Everyone', enabled: true, gracePeriodDays: 0 })).status).toBe(201);
    for (let i = 0; i < 3; i++) await enrol(`m${i}`);
    expect(enrolled).toHaveLength(3);
  }, 120_000);

  afterAll(async () => {
    await proc?.stop();
    report('crash', { loopsRequested: LOOPS, ...stats });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`survives ${LOOPS} crashes: integrity, no half-written factor, audit chain intact, nothing accepted twice`, async () => {
    for (let loop = 0; loop < LOOPS; loop++) {
      // Kill at a random moment 300–1,300 ms into the workload.
      // On a busy machine (slow hashes) that window can pass before any code is used: the kill then waits
      // for the first accepted code of this round (at most 30 s more), so every round crashes mid-work.
      const killAt = Date.now() + 300 + Math.floor(Math.random() * 1_000);
      const acceptedBefore = stats.codesAccepted;
      const due = () => Date.now() >= killAt && (stats.codesAccepted > acceptedBefore || Date.now() >= killAt + 30_000);
      const running = workload(loop, () => due() || proc.child.exitCode !== null || proc.child.signalCode !== null);
      await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
      while (!due()) await new Promise((r) => setTimeout(r, 20));
      await proc.kill9();
      await running;
      checkDatabase();

      proc = await startProcess(dataDir, ENV);
      expect(proc.ready).toBe(true);
      const chain = await req('GET', '/api/v1/audit/verify', admin);
      expect({ loop, status: chain.status, ok: chain.body['ok'] }).toEqual({ loop, status: 200, ok: true });
      // Replays across the crash: every code accepted before it is refused now.
      for (const [key, count] of accepted) {
        if (count !== 1 || replayed.has(key)) continue;
        replayed.add(key);
        const [externalId, method, code] = key.split(':') as [string, 'totp' | 'recovery_code', string];
        const e = enrolled.find((x) => x.externalId === externalId);
        if (!e) continue;
        const status = await use(e, method, code);
        expect({ key, status }).toEqual({ key, status: 400 });
        stats.replaysRefused++;
      }
      stats.loops++;
    }
    expect([...accepted.values()].filter((n) => n > 1)).toEqual([]);
    expect(stats.status5xx).toBe(0);
    expect(stats.codesAccepted).toBeGreaterThan(0);
  });
});
