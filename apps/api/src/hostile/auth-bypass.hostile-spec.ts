import fs from 'node:fs';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { HTML_CSP } from '../web/security-headers';
import { PUBLIC_ROUTES } from '../testing/public-routes';
import { AdminCredentials, credentialsFrom, memberSession, OWNER, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { ANY_METHOD_PATHS, CRED_KINDS, deref, enrolMemberTotp, errorShapeProblem, fakeWebDir, followMember, inject, mayPass, newTally, nestRoutes, openApi, registeredRoutes, report, SCALE, SEED, startWorld, World } from './kit';

/**
 * Authentication bypasses, each test named after the weakness class (CWE) it mirrors. Route lists come
 * from Fastify's own route table and from Nest's metadata, so a route added later is checked too.
 */
const tally = newTally();
const { ops } = openApi();
const UUID = '00000000-0000-4000-8000-000000000000';
const concrete = (p: string, id = UUID) => p.replace(/:(\w+)/g, id);

/** The explicit list of public routes (shared with the API conventions test). */
const PUBLIC = new Set(PUBLIC_ROUTES);
/**
 * Registered outside Nest on purpose, for every method: forward-auth (nginx passes the original request's
 * method on). Its GET is in Nest's metadata and on the public list; the other methods answer the same way.
 */
const ANY_METHOD = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => `${m} ${ANY_METHOD_PATHS[0]}`));

afterAll(() => report('auth-bypass', { ...tally }));

describe('CWE-306 · missing authentication: every registered route is guarded unless listed as public', () => {
  let w: World;
  let webDir: string;
  /** Files of the built console and member pages, served by @fastify/static: public by nature. */
  let staticFiles: Set<string>;
  beforeAll(async () => {
    webDir = fakeWebDir();
    w = await startWorld({ LATCHKEY_WEB_DIR: webDir });
    staticFiles = new Set(['/', '/admin', '/admin/', '/index.html', '/admin/index.html', '/main-ABCDEFGH.js', '/admin/main-ABCDEFGH.js'].map((p) => `GET ${p}`));
  });
  afterAll(async () => {
    await w.t.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });
  const served = () => registeredRoutes(w.t).filter((r) => !staticFiles.has(`${r.method} ${r.path}`));

  it('Fastify serves no route Nest does not know (nothing registered around the guard) but the pages’ static files', () => {
    const known = new Set(nestRoutes().map((r) => `${r.method} ${r.path}`));
    expect(served().length).toBeGreaterThan(50);
    expect(served().map((r) => `${r.method} ${r.path}`).filter((r) => !known.has(r) && !ANY_METHOD.has(r))).toEqual([]);
  });

  it('an anonymous request to each served route is refused with 401, unless the route is on the public list', async () => {
    const open: string[] = [];
    for (const r of served()) {
      const body = r.method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, payload: '{}' };
      const res = await inject(w.t, { method: r.method as 'GET', url: concrete(r.path), ...body }, tally);
      if (res.statusCode !== 401) open.push(`${r.method} ${r.path}`);
      else expect(res.json().error.code).toBe('unauthenticated');
    }
    expect(open.filter((r) => !PUBLIC.has(r) && !ANY_METHOD.has(r))).toEqual([]);
    // And the list holds nothing that is no longer marked @Public() (some public routes answer 401 themselves).
    expect(nestRoutes().filter((r) => r.auth?.kind === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC].sort());
  });

  it('every operation × every kind of caller: a caller the route does not admit never gets past the guard', async () => {
    for (const op of ops) {
      for (const cred of CRED_KINDS) {
        if (mayPass(op.auth, cred, op.method)) continue;
        await w.refresh();
        const body = op.method === 'GET' ? {} : { payload: '{}' };
        const res = await inject(w.t, { method: op.method as 'GET', url: concrete(op.path, w.ids[1]), headers: { ...w.headersFor(cred, op.method), ...(op.method === 'GET' ? {} : { 'content-type': 'application/json' }) }, ...body }, tally);
        const code = res.json().error?.code;
        expect({ route: `${op.method} ${op.path}`, cred, status: res.statusCode, code, shape: errorShapeProblem(res) }).toEqual({
          route: `${op.method} ${op.path}`,
          cred,
          status: expect.any(Number),
          code: expect.stringMatching(/^(unauthenticated|forbidden|csrf_failed|mfa_required)$/),
          shape: null,
        });
      }
    }
  });
});

describe('CWE-287 · a sign-in whose second factor is still pending reaches no protected route', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let serverKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
  });
  afterAll(() => t.close());

  it('an admin past the password step only reaches the second-factor routes', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: OWNER.password } });
    const pending = credentialsFrom(res);
    expect(res.json().mfa).toBe('required');
    for (const r of nestRoutes().filter((x) => x.auth?.kind === 'admin' && !x.auth.mfaPending)) {
      const out = await inject(t, { method: r.method as 'GET', url: concrete(r.path), headers: { cookie: pending.cookie, 'x-csrf-token': pending.csrfToken } }, tally);
      expect({ route: `${r.method} ${r.path}`, status: out.statusCode, code: out.json().error?.code }).toEqual({ route: `${r.method} ${r.path}`, status: 403, code: 'mfa_required' });
    }
  });

  it('a member login held by a challenge: no completion, no library access, no factor changes from the challenge link', async () => {
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId: 'held', username: 'held' }], libraries: [{ externalId: 'films', name: 'Films' }] } });
    const first = await memberSession(t, serverKey, 'held', null);
    await enrolMemberTotp(t, first);
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'All', enabled: true, gracePeriodDays: 0 } });
    const login = await t.request({ method: 'POST', url: '/api/v1/logins', bearer: serverKey, body: { member: { externalId: 'held' }, device: { id: 'tv-1' }, client: { name: 'Jellyfin Web' } } });
    expect(login.json().decision).toBe('challenge');
    const challenge = login.json().challenge;
    const poll = await t.request({ method: 'GET', url: `/api/v1/challenges/${challenge.id}`, bearer: serverKey });
    expect(poll.json()).toMatchObject({ status: 'pending', completion: null });
    const access = await t.request({ method: 'POST', url: '/api/v1/access', bearer: serverKey, body: { member: { externalId: 'held' }, library: { externalId: 'films' }, device: { id: 'tv-1' }, challengeId: challenge.id } });
    expect(access.json().decision).not.toMatch(/^allow/);
    // Whoever holds the portal link of the held sign-in gets a member session, but it is not a verified one.
    const link = /#link=([^&]+)/.exec(challenge.portalUrl)?.[1];
    const session = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } }));
    expect((await t.request({ method: 'GET', url: '/api/v1/me', admin: session })).json().recentlyVerified).toBe(false);
    for (const [method, url] of [['POST', '/api/v1/me/factors/totp'], ['POST', '/api/v1/me/factors/recovery-codes'], ['POST', '/api/v1/me/factors/passkeys/options'], ['POST', '/api/v1/me/factors/email']] as const) {
      const res = await t.request({ method, url, admin: session, body: url.endsWith('email') ? { email: 'attacker@example.com' } : undefined });
      expect({ url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url, status: 403, code: 'verification_required' });
    }
    // Guessing at the challenge spends its budget and completes nothing.
    for (let i = 0; i < 8; i++) await t.request({ method: 'POST', url: `/api/v1/me/challenges/${challenge.id}/verify`, admin: session, body: { method: 'totp', code: String(100000 + i) } });
    expect((await t.request({ method: 'GET', url: `/api/v1/challenges/${challenge.id}`, bearer: serverKey })).json().completion).toBeNull();
  });
});

describe('CWE-176 / CWE-1007 · look-alike, padded and NUL-bearing identifiers are nobody else', () => {
  let t: TestApp;
  let serverKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    const admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId: 'alice', username: 'alice' }] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'All', enabled: true, gracePeriodDays: 0 } });
  });
  afterAll(() => t.close());

  it.each(['оwner@example.com', 'ｏwner@example.com', 'owner@example.com\u0000', 'owner@example.com\u200b', 'owner@exаmple.com', 'owner@example.com.'])('admin sign-in as %j with the right password fails', async (email) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email, password: OWNER.password } });
    expect([400, 401]).toContain(res.statusCode);
    expect(res.cookies).toEqual([]);
  });

  it.each(['аlice', 'ALICE', 'alice ', ' alice', 'alice\u0000', 'alice\u200b', 'ａlice', 'alice%00'])('a decision for member %j is never alice’s', async (externalId) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/logins', bearer: serverKey, body: { member: { externalId }, device: { id: 'd' }, client: { name: 'c' } } });
    // Unknown without a username (404), or refused as malformed (400); trimmed spaces are the same id, by design.
    if (externalId.trim() === 'alice') expect(res.json().decision).toBe('enrol_required');
    else expect({ externalId, refused: [400, 404].includes(res.statusCode) }).toEqual({ externalId, refused: true });
  });
});

describe('CWE-384 · session fixation: the session id changes at every privilege step', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('admin: setup → enrol, sign-in → second factor; a cookie planted before sign-in is never promoted', async () => {
    await setupOwner(t);
    const planted = `latchkey_admin=${'P'.repeat(43)}`;
    const password = await t.request({ method: 'POST', url: '/api/v1/admin/session', headers: { cookie: planted }, body: { email: OWNER.email, password: OWNER.password } });
    const pending = credentialsFrom(password);
    expect(pending.cookie).not.toBe(planted);
    const challenge = await t.request({ method: 'POST', url: '/api/v1/admin/mfa/challenge', admin: pending });
    t.clock.advance(30_000);
    const { ownerTotpSecrets } = await import('../testing/harness');
    const verified = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/challenge/${challenge.json().id}/verify`, admin: pending, body: { method: 'totp', code: totpCode(t, ownerTotpSecrets.get(t) ?? '') } });
    const full = credentialsFrom(verified);
    expect(full.cookie).not.toBe(pending.cookie);
    expect(full.csrfToken).not.toBe(pending.csrfToken);
    expect((await t.request({ method: 'GET', url: '/api/v1/admin/session', admin: pending })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', headers: { cookie: planted } })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', admin: full })).statusCode).toBe(200);
  });

  it('member: link → session → verification; the session before the verification is dead', async () => {
    const admin = await (await import('../testing/harness')).signInOwner(t);
    const key = (await registerServer(t, admin, 'Den')).apiKey;
    let me = await memberSession(t, key, 'fix-1', null);
    const enrolled = await enrolMemberTotp(t, me);
    expect(enrolled.member.cookie).not.toBe(me.cookie);
    expect((await t.request({ method: 'GET', url: '/api/v1/me', admin: me })).statusCode).toBe(401);
    me = enrolled.member;
    t.clock.advance(11 * 60_000);
    const c = await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: me });
    t.clock.advance(30_000);
    const done = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.json().id}/verify`, admin: me, body: { method: 'totp', code: totpCode(t, enrolled.secret) } });
    const after = followMember(me, done);
    expect(after.cookie).not.toBe(me.cookie);
    expect((await t.request({ method: 'GET', url: '/api/v1/me', admin: me })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/me', admin: after })).json().recentlyVerified).toBe(true);
  });
});

describe('CWE-290 · spoofed forwarded headers from untrusted peers never grant the LAN bypass or dodge IP limits', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let server: { id: string; apiKey: string };
  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_IP_ATTEMPTS_PER_15_MIN: '5', LATCHKEY_CHALLENGE_ATTEMPTS: '20', LATCHKEY_LOCKOUT_THRESHOLD: '100' });
    admin = await setupOwner(t);
    server = await registerServer(t, admin);
    await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: server.apiKey, body: { members: [{ externalId: 'lan', username: 'lan' }] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', admin, body: { name: 'Home', enabled: true, gracePeriodDays: 0, bypassCidrs: ['192.168.0.0/16', '10.0.0.0/8', 'fd00::/8'] } });
  });
  afterAll(() => t.close());
  const login = (ip: { peer: string; forwardedFor?: string[] }) =>
    t.request({ method: 'POST', url: '/api/v1/logins', bearer: server.apiKey, body: { member: { externalId: 'lan' }, device: { id: 'd' }, client: { name: 'c' }, ip } });

  it('a LAN address in X-Forwarded-For from an untrusted peer is ignored; the same through a trusted proxy counts', async () => {
    const spoofed = await login({ peer: '203.0.113.7', forwardedFor: ['192.168.1.20'] });
    expect(spoofed.json().decision).toBe('enrol_required');
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, admin, body: { trustedProxies: ['203.0.113.7'] } });
    const proxied = await login({ peer: '203.0.113.7', forwardedFor: ['192.168.1.20'] });
    expect(proxied.json()).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ code: 'lan_bypass' })] });
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, admin, body: { trustedProxies: [] } });
  });

  it('no forwarded chain an untrusted peer sends turns into a LAN bypass (property)', async () => {
    const lanish = fc.constantFrom('192.168.1.20', '10.0.0.1', '::ffff:192.168.1.1', 'fd00::1', '192.168.1.20:8096', '[fd00::1]:443', ' 10.0.0.1 ', '10.0.0.1, 192.168.0.1', '192.168.1.1%eth0', 'unknown', '');
    const peer = fc.constantFrom('203.0.113.7', '198.51.100.1', '2001:db8::1', '8.8.8.8');
    await fc.assert(
      fc.asyncProperty(peer, fc.array(fc.oneof(lanish, fc.ipV4(), fc.ipV6()), { maxLength: 5 }), async (p, chain) => {
        const res = await login({ peer: p, forwardedFor: chain });
        expect(res.statusCode).toBe(200);
        expect(res.json().reasons.map((r: { code: string }) => r.code)).not.toContain('lan_bypass');
      }),
      { numRuns: Math.round(60 * SCALE), seed: SEED },
    );
  });

  it('rotating X-Forwarded-For on Latchkey itself does not reset the per-IP verification limit', async () => {
    const me = await memberSession(t, server.apiKey, 'ipman', null);
    const { secret, member } = await enrolMemberTotp(t, me);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: member });
      const res = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.json().id}/verify`, admin: member, headers: { 'x-forwarded-for': `192.168.7.${i}`, 'x-real-ip': `10.9.9.${i}` }, body: { method: 'totp', code: '000000' } });
      statuses.push(res.statusCode);
    }
    t.clock.advance(30_000);
    const c = await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: member });
    const right = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.json().id}/verify`, admin: member, headers: { 'x-forwarded-for': '172.16.0.99' }, body: { method: 'totp', code: totpCode(t, secret) } });
    expect({ statuses, right: right.statusCode, code: right.json().error?.code }).toEqual({ statuses: [400, 400, 400, 400, 400, 400], right: 400, code: 'verification_failed' });
    const rows: { key: string }[] = await t.app.get(DataSource).query("SELECT key FROM throttles WHERE key LIKE 'verify:ip:%'");
    expect(rows.map((r) => r.key)).toEqual(['verify:ip:127.0.0.1']);
  });
});

describe('CWE-601 · open redirects are refused wherever a return URL could be given', () => {
  const PAYLOADS = ['//evil.example', '///evil.example', 'https:evil.example', 'https://evil.example', '/\\evil.example', '\\\\evil.example', 'a@b@evil.example', 'https://latchkey@evil.example', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', '/%0d%0aLocation:%20https://evil.example', '\r\nLocation: https://evil.example', '%2f%2fevil.example', '%5cevil.example', '/%09/evil.example', 'http://localhost.evil.example'];
  const RETURN_NAMES = /^(rd|return|returnto|return_to|returnurl|redirect|redirect_?uri|redirect_?to|next|continue|url|target|callback|back|destination|goto)$/i;
  let t: TestApp;
  let w: World;
  let webDir: string;
  beforeAll(async () => {
    webDir = fakeWebDir();
    w = await startWorld({ LATCHKEY_WEB_DIR: webDir });
    t = w.t;
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('every operation that takes a return-URL-like field or parameter refuses off-site targets', async () => {
    const doc = openApi().doc;
    let checked = 0;
    for (const op of ops) {
      const names = [...op.queryParams.map((p) => p.name), ...Object.keys((op.body ? deref(doc, op.body)['properties'] : undefined) ?? {})].filter((n) => RETURN_NAMES.test(n));
      for (const name of names) {
        for (const payload of PAYLOADS) {
          const inQuery = op.queryParams.some((p) => p.name === name);
          const res = await inject(t, { method: op.method as 'GET', url: concrete(op.path, w.ids[1]) + (inQuery ? `?${name}=${encodeURIComponent(payload)}` : ''), headers: { ...w.headersFor(op.auth?.kind === 'server' ? 'server' : op.auth?.kind === 'member' ? 'member' : 'admin', op.method), 'content-type': 'application/json' }, payload: inQuery ? undefined : JSON.stringify({ [name]: payload }) }, tally);
          checked++;
          expect(offSite(res.headers['location'] as string | undefined, res.body)).toBe(false);
        }
      }
    }
    // Today no route takes a return URL; when one does (forward-auth's `rd`), it is checked here automatically.
    expect(checked).toBeGreaterThanOrEqual(0);
  });

  it('paths and query strings of the console and member pages never redirect off-site', async () => {
    for (const payload of PAYLOADS) {
      for (const url of [`/${payload}`, `/admin${payload.startsWith('/') ? '' : '/'}${payload}`, `/admin?next=${encodeURIComponent(payload)}`, `/admin?rd=${encodeURIComponent(payload)}`, `/enrol?return=${encodeURIComponent(payload)}`, `/${encodeURIComponent(payload)}/admin`]) {
        const res = await inject(t, { method: 'GET', url: url.replace(/[\r\n]/g, encodeURIComponent) }, tally);
        expect({ url, status: res.statusCode < 500, offSite: offSite(res.headers['location'] as string | undefined, '') }).toEqual({ url, status: true, offSite: false });
      }
    }
    const bare = await inject(t, { method: 'GET', url: '/admin' }, tally);
    expect(bare.statusCode === 200 || bare.headers['location'] === '/admin/').toBe(true);
  });
});

describe('CWE-352 · CSRF on every cookie-authenticated change', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(() => w.t.close());
  const cookieRoutes = () => ops.filter((o) => (o.auth?.kind === 'admin' || o.auth?.kind === 'member') && !['GET', 'HEAD', 'OPTIONS'].includes(o.method));

  it.each([
    ['no token', () => ({})],
    ['the other kind of session’s token', (w: World, kind: string) => ({ 'x-csrf-token': kind === 'admin' ? w.member.csrfToken : w.admin.csrfToken })],
    ['a token of the right length but wrong', (w: World, kind: string) => ({ 'x-csrf-token': (kind === 'admin' ? w.admin : w.member).csrfToken.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })],
    ['the right token from a cross-site page (Sec-Fetch-Site)', (w: World, kind: string) => ({ 'x-csrf-token': (kind === 'admin' ? w.admin : w.member).csrfToken, 'sec-fetch-site': 'cross-site' })],
    ['the right token with a foreign Origin', (w: World, kind: string) => ({ 'x-csrf-token': (kind === 'admin' ? w.admin : w.member).csrfToken, origin: 'https://evil.example' })],
    ['the right token with Origin: null (sandboxed frame)', (w: World, kind: string) => ({ 'x-csrf-token': (kind === 'admin' ? w.admin : w.member).csrfToken, origin: 'null' })],
  ] as const)('%s → 403 csrf_failed', async (_label, extra) => {
    for (const op of cookieRoutes()) {
      await w.refresh();
      const kind = op.auth?.kind as 'admin' | 'member';
      const cookie = (kind === 'admin' ? w.admin : w.member).cookie;
      const res = await inject(w.t, { method: op.method as 'POST', url: concrete(op.path, w.ids[1]), headers: { cookie, 'content-type': 'application/json', ...extra(w, kind) }, payload: '{}' }, tally);
      expect({ route: `${op.method} ${op.path}`, status: res.statusCode, code: res.json().error?.code }).toEqual({ route: `${op.method} ${op.path}`, status: 403, code: 'csrf_failed' });
    }
  });

  it('the same-origin Origin is accepted, and cross-site "simple" bodies never reach a JSON route', async () => {
    const ok = await inject(w.t, { method: 'POST', url: '/api/v1/admin/tokens', headers: { cookie: w.admin.cookie, 'x-csrf-token': w.admin.csrfToken, origin: w.t.config.publicUrl, 'content-type': 'application/json' }, payload: '{"name":"same origin"}' }, tally);
    expect(ok.statusCode).toBe(201);
    for (const op of ops.filter((o) => o.body)) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await inject(w.t, { method: op.method as 'POST', url: concrete(op.path, w.ids[1]), headers: { cookie: `${w.admin.cookie}; ${w.member.cookie}`, 'content-type': type }, payload: '{}' }, tally);
        expect({ route: `${op.method} ${op.path}`, type, status: res.statusCode }).toEqual({ route: `${op.method} ${op.path}`, type, status: 415 });
      }
    }
  });
});

describe('CWE-1021 / CWE-693 · security headers on every HTML response (pages, SPA fallbacks, 404s, 304s)', () => {
  let t: TestApp;
  let webDir: string;
  beforeAll(async () => {
    webDir = fakeWebDir();
    t = await startTestApp({ LATCHKEY_WEB_DIR: webDir });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  const strict = (res: { statusCode: number; headers: Record<string, unknown> }, url: string) => {
    const csp = String(res.headers['content-security-policy'] ?? '');
    expect({ url, status: res.statusCode, csp, nosniff: res.headers['x-content-type-options'], frame: res.headers['x-frame-options'], referrer: res.headers['referrer-policy'] }).toEqual({
      url,
      status: res.statusCode,
      csp: HTML_CSP,
      nosniff: 'nosniff',
      frame: 'DENY',
      referrer: 'no-referrer',
    });
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
  };

  it.each(['/', '/admin/', '/admin/index.html', '/index.html', '/admin/servers', '/admin/policies/123/edit', '/enrol', '/verify', '/security', '/pair', '/no/such/page', '/admin/no/such/page', '/api/docs'])('GET %s', async (url) => {
    const res = await inject(t, { method: 'GET', url, headers: { accept: 'text/html' } }, tally);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    strict(res, url);
    expect(res.body).not.toMatch(/<script>(?!<\/script>)|<script[^>]*>[^<]+<\/script>/);
  });

  it('a 304 for a page carries the page’s headers too', async () => {
    for (const url of ['/admin/index.html', '/index.html']) {
      const first = await inject(t, { method: 'GET', url }, tally);
      const etag = String(first.headers['etag'] ?? '');
      expect(etag).not.toBe('');
      const again = await inject(t, { method: 'GET', url, headers: { 'if-none-match': etag } }, tally);
      expect(again.statusCode).toBe(304);
      strict(again, url);
    }
  });

  it('404s for files that do not exist are JSON with the API’s strict policy', async () => {
    for (const url of ['/admin/missing.js', '/missing.css', '/api/v1/nope']) {
      const res = await inject(t, { method: 'GET', url, headers: { accept: 'text/html' } }, tally);
      expect(res.statusCode).toBe(404);
      expect(errorShapeProblem(res)).toBeNull();
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });
});

/** Whether a Location header (or a URL in a JSON body) would send the browser to another site. */
function offSite(location: string | undefined, body: string): boolean {
  const targets = [location, ...[...body.matchAll(/"(?:url|location|redirect|next|rd)":"([^"]*)"/gi)].map((m) => m[1])].filter((x): x is string => !!x);
  return targets.some((u) => {
    // eslint-disable-next-line no-control-regex -- browsers skip leading control characters before a scheme
    if (/^[\s\x00-\x1f]*(javascript|data|vbscript):/i.test(u)) return true;
    if (!/^\/(?![/\\])/.test(u)) return !u.startsWith('http://localhost:');
    return false;
  });
}
