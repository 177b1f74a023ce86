import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { AdminCredentials, memberSession, OWNER, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';
import { enrolMemberTotp, inject, newTally, report, SCALE } from './kit';

/**
 * CWE-204 / CWE-208 · enumeration. Whoever probes the member-facing endpoints must not learn whether a
 * member exists, is locked out, has enrolled or is exempt: identical status and body, and response
 * times whose medians stay within a small spread. Timings are sampled interleaved (so load on the
 * machine hits every group alike), compared by median, and re-measured before a verdict, so a busy
 * 2-core machine does not make the test flaky while a systematic difference (a skipped slow hash) fails.
 */
const SAMPLES = Math.round(30 * SCALE);
const tally = newTally();
const timings: Record<string, Record<string, number>> = {};
let t: TestApp;
let admin: AdminCredentials;
let serverKey: string;

/** One request to time; `prepare` runs untimed before it (e.g. opening the challenge it answers). */
interface Probe {
  prepare?: () => Promise<string>;
  run: (prepared: string) => Promise<LightMyRequestResponse>;
}
const plain = (run: () => Promise<LightMyRequestResponse>): Probe => ({ run });

/** Status and body with what legitimately differs per request (request ids, fresh ids, times) masked. */
function fingerprint(res: LightMyRequestResponse): string {
  return `${res.statusCode} ${res.body
    .replace(/"requestId":"[^"]+"/g, '"requestId":"…"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Runs every probe SAMPLES times, interleaved in a shuffled order; returns per-group fingerprints and medians (ms). */
async function sample(probes: Record<string, Probe>, samples: number): Promise<{ prints: Record<string, Set<string>>; medians: Record<string, number> }> {
  const names = Object.keys(probes);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const prints: Record<string, Set<string>> = Object.fromEntries(names.map((n) => [n, new Set<string>()]));
  for (let i = 0; i < samples + 3; i++) {
    for (const n of [...names].sort(() => Math.random() - 0.5)) {
      const probe = probes[n]!;
      const prepared = probe.prepare ? await probe.prepare() : '';
      const started = process.hrtime.bigint();
      const res = await probe.run(prepared);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      tally.requests++;
      if (res.statusCode >= 500 && res.statusCode !== 503) tally.status5xx++;
      prints[n]!.add(fingerprint(res));
      if (i >= 3) times[n]!.push(ms); // the first rounds warm up
    }
  }
  return { prints, medians: Object.fromEntries(names.map((n) => [n, median(times[n]!)])) };
}

/** Same answers, and medians within max(5 ms, 30% of the slowest); measured up to three times before failing. */
async function expectIndistinguishable(label: string, probes: Record<string, Probe>, samples = SAMPLES, before?: () => Promise<void>): Promise<void> {
  let last: Record<string, number> = {};
  for (let attempt = 0; attempt < 3; attempt++) {
    await before?.();
    const { prints, medians } = await sample(probes, samples);
    const all = new Set(Object.values(prints).flatMap((s) => [...s]));
    expect({ label, answers: [...all] }).toEqual({ label, answers: [expect.any(String)] });
    last = medians;
    const values = Object.values(medians);
    const spread = Math.max(...values) - Math.min(...values);
    if (spread <= Math.max(5, 0.3 * Math.max(...values))) {
      timings[label] = Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, Math.round(v * 100) / 100]));
      return;
    }
  }
  throw new Error(`${label}: response times tell the groups apart (medians in ms: ${JSON.stringify(last)})`);
}

/** Locks a member out (100 wrong codes, or fewer if already counting) and checks the lock holds now. */
async function lockOut(p: Person): Promise<void> {
  const isLocked = async () => {
    const rows: { locked_until: number | null }[] = await t.app.get(DataSource).query('SELECT locked_until FROM throttles WHERE key = ?', [`verify:member:${p.id}`]);
    return Number(rows[0]?.locked_until ?? 0) > t.clock.now().getTime();
  };
  for (let i = 0; i < 6 && !(await isLocked()); i++) {
    const c = (await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: p.session })).json().id;
    for (let j = 0; j < 20; j++) await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c}/verify`, admin: p.session, body: { method: 'totp', code: '000000' } });
  }
  expect(await isLocked()).toBe(true);
}

async function link(externalId: string): Promise<string> {
  const res = await t.request({ method: 'POST', url: `/api/v1/directory/members/${externalId}/links`, bearer: serverKey, body: {} });
  return new URL(res.json().url).hash.slice('#link='.length);
}

interface Person {
  session: AdminCredentials;
  id: string;
}

async function person(externalId: string, enrol: boolean): Promise<Person> {
  let session = await memberSession(t, serverKey, externalId, null);
  if (enrol) session = (await enrolMemberTotp(t, session)).member;
  const id = (await t.request({ method: 'GET', url: '/api/v1/me', admin: session })).json().member.id;
  return { session, id };
}

describe('CWE-204 / CWE-208 · no enumeration of members (or admins) by answer or by time', () => {
  let enrolled: Person;
  let locked: Person;
  let unenrolled: Person;
  let exempt: Person;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_LOCKOUT_THRESHOLD: '100', LATCHKEY_CHALLENGE_ATTEMPTS: '20', LATCHKEY_IP_ATTEMPTS_PER_15_MIN: '100000' });
    admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
    enrolled = await person('enrolled', true);
    locked = await person('locked', true);
    unenrolled = await person('unenrolled', false);
    exempt = await person('exempt', false);
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'All', enabled: true, gracePeriodDays: 0 } });
    await t.request({ method: 'POST', url: '/api/v1/exemptions', admin, body: { memberId: exempt.id, reason: 'no smartphone' } });
  });
  afterAll(async () => {
    report('enumeration', { samplesPerGroup: SAMPLES, ...tally, medianMs: timings });
    await t.close();
  });

  it('starting a member-pages session with a bad link: unknown, spent, expired, or a removed member’s link look alike', async () => {
    const spentLocked = await link('locked');
    await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: spentLocked } });
    const spentExempt = await link('exempt');
    await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: spentExempt } });
    const expiredUnenrolled = await link('unenrolled');
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId: 'leaver', username: 'leaver' }] } });
    const removed = await link('leaver');
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { remove: { members: ['leaver'] } } });
    t.clock.advance(16 * 60_000);
    const start = (l: string) => plain(() => inject(t, { method: 'POST', url: '/api/v1/portal/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ link: l }) }));
    await expectIndistinguishable('portal session, bad link', {
      unknown: start('U'.repeat(43)),
      lockedSpent: start(spentLocked),
      unenrolledExpired: start(expiredUnenrolled),
      exemptSpent: start(spentExempt),
      removedMember: start(removed),
    });
  });

  it.each(['totp', 'recovery_code'] as const)('answering a challenge with a wrong %s: enrolled, locked, unenrolled and exempt members get the same', async (method) => {
    const code = method === 'totp' ? '123456' : 'AAAAA-BBBBB-CCCCC';
    const verify = (p: Person): Probe => ({
      prepare: async () => (await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: p.session })).json().id,
      run: (c) => inject(t, { method: 'POST', url: `/api/v1/me/challenges/${c}/verify`, headers: { cookie: p.session.cookie, 'x-csrf-token': p.session.csrfToken, 'content-type': 'application/json' }, payload: JSON.stringify({ method, code }) }),
    });
    // Before each measurement: only `locked` is locked (the others' failure counts start again, as for
    // members who signed in since); at most 40 samples keep them under the threshold (100).
    const fresh = async () => {
      await t.app.get(DataSource).query('DELETE FROM throttles WHERE key IN (?, ?, ?)', [enrolled, unenrolled, exempt].map((p) => `verify:member:${p.id}`));
      await lockOut(locked);
    };
    await expectIndistinguishable(`verify, wrong ${method}`, { enrolled: verify(enrolled), locked: verify(locked), unenrolled: verify(unenrolled), exempt: verify(exempt) }, Math.min(SAMPLES, 40), fresh);
  });

  it('creating a challenge does not tell a locked member from an enrolled one, nor an exempt one from an unenrolled one', async () => {
    await lockOut(locked);
    const create = (p: Person) => plain(() => inject(t, { method: 'POST', url: '/api/v1/me/challenges', headers: { cookie: p.session.cookie, 'x-csrf-token': p.session.csrfToken } }));
    await expectIndistinguishable('challenge creation, enrolled vs locked', { enrolled: create(enrolled), locked: create(locked) });
    await expectIndistinguishable('challenge creation, unenrolled vs exempt', { unenrolled: create(unenrolled), exempt: create(exempt) });
  });

  it('admin sign-in: an unknown address and a wrong password look alike (same answer, same slow hash)', async () => {
    const login = (email: string) => plain(() => inject(t, { method: 'POST', url: '/api/v1/admin/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'not the password at all' }) }));
    await expectIndistinguishable('admin sign-in', { known: login(OWNER.email), unknown: login('nobody@example.com') });
  });
});
