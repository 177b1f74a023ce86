import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { FastLogin } from './fast-login';
import { credentialsFrom, registerServer, setupOwner, startTestApp, TestApp, totpCode } from '../testing/harness';

/**
 * The login hot path on a real HTTP server: what it answers itself must be what the ordinary path would
 * answer, with the same headers; everything it declines (bad input of every kind, a challenge to create)
 * must get exactly the ordinary answer.
 */
describe('POST /api/v1/logins on the HTTP server (hot path in front of Fastify)', () => {
  let t: TestApp;
  let base: string;
  let key: string;
  let trustToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await setupOwner(t);
    key = (await registerServer(t, admin)).apiKey;
    const adminToken = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
    await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: key, body: { members: [{ externalId: 'alice', username: 'alice' }, { externalId: 'bob', username: 'bob' }] } });
    await t.request({ method: 'POST', url: '/api/v1/policies', bearer: adminToken, body: { name: 'Everyone', gracePeriodDays: 0, enabled: true } });
    // Alice and Bob enrol an authenticator app; Alice's laptop is remembered.
    const secrets: Record<string, string> = {};
    for (const who of ['alice', 'bob']) {
      const link = new URL((await t.request({ method: 'POST', url: `/api/v1/directory/members/${who}/links`, bearer: key, body: { purpose: 'enrol' } })).json().url).hash.slice(6);
      const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link } }));
      const begun = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
      secrets[who] = begun.secret;
      await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${begun.factorId}/confirm`, admin: me, body: { code: totpCode(t, begun.secret) } });
    }
    const c = (await t.request({ method: 'POST', url: '/api/v1/logins', bearer: key, body: login('alice') })).json().challenge;
    const me = credentialsFrom(await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: new URL(c.portalUrl).hash.slice(1).split('&')[0].slice(5) } }));
    t.clock.advance(30_000);
    await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.id}/verify`, admin: me, body: { method: 'totp', code: totpCode(t, secrets['alice'] ?? ''), remember: true } });
    trustToken = (await t.request({ method: 'GET', url: `/api/v1/challenges/${c.id}`, bearer: key })).json().completion.trustToken;
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => t.close());

  function login(externalId: string, extra: Record<string, unknown> = {}) {
    return { member: { externalId }, device: { id: 'laptop', name: 'Laptop' }, client: { name: 'Jellyfin Web', version: '10.11' }, ...extra };
  }
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/logins`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body });

  it('answers a remembered device itself, with the API’s headers, and logs the decision', async () => {
    const answeredInFront = jest.spyOn(FastLogin.prototype as unknown as { send: () => void }, 'send');
    const res = await post(JSON.stringify(login('alice', { trustToken })), { 'x-request-id': 'req-123' });
    expect(res.status).toBe(200);
    expect(answeredInFront).toHaveBeenCalledTimes(1);
    answeredInFront.mockRestore();
    const body = (await res.json()) as { trustToken: string };
    expect(body).toMatchObject({ decision: 'allow', challenge: null, trustToken: expect.stringMatching(/^lkd1\./) });
    trustToken = body.trustToken;
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'req-123',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    await t.app.get(AuditService).flush();
    const rows = await t.app.get(DataSource).query("SELECT outcome, details FROM audit_events WHERE type = 'login.decision' ORDER BY seq DESC LIMIT 1");
    expect(rows[0].outcome).toBe('allow');
    expect(JSON.parse(rows[0].details)).toMatchObject({ trust: 'remembered', deviceId: 'laptop' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/latchkey_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/logins",status="200"\} [1-9]/);
  });

  it('hands a login that needs a challenge to the ordinary path', async () => {
    const res = await post(JSON.stringify(login('bob')));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decision: string }).decision).toBe('challenge');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a remembered device that names an allowed return URL itself; an open-redirect attempt gets the ordinary refusal', async () => {
    const answeredInFront = jest.spyOn(FastLogin.prototype as unknown as { send: () => void }, 'send');
    const ok = await post(JSON.stringify(login('alice', { trustToken, returnUrl: 'http://jellyfin.lan:8096/web/' })));
    expect(ok.status).toBe(200);
    expect(answeredInFront).toHaveBeenCalledTimes(1);
    answeredInFront.mockRestore();
    trustToken = ((await ok.json()) as { trustToken: string }).trustToken;
    const evil = await post(JSON.stringify(login('alice', { trustToken, returnUrl: 'http://jellyfin.lan:8096@evil.example/' })));
    expect(evil.status).toBe(400);
    expect(((await evil.json()) as { error: { code: string } }).error.code).toBe('return_url_not_allowed');
  });

  it.each([
    ['a wrong API key', JSON.stringify(login('alice')), { authorization: 'Bearer lk_srv_' + 'x'.repeat(43) }, 401, 'unauthenticated'],
    ['no API key', JSON.stringify(login('alice')), { authorization: '' }, 401, 'unauthenticated'],
    ['malformed JSON', '{"member":', {}, 400, 'malformed_json'],
    ['an unknown field', JSON.stringify({ ...login('alice'), admin: true }), {}, 400, 'validation_failed'],
    ['a wrong type', JSON.stringify({ ...login('alice'), device: { id: 42 } }), {}, 400, 'validation_failed'],
    ['a forged trust token', JSON.stringify(login('alice', { trustToken: 'lkd1.00000000-0000-4000-8000-000000000000.0.' + 'A'.repeat(43) })), {}, 200, null],
    ['a text body', 'member=alice', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['an oversized body', JSON.stringify({ ...login('alice'), pad: 'x'.repeat(2_000_000) }), {}, 413, 'payload_too_large'],
  ])('declines %s: the ordinary path answers', async (_what, body, headers, status, code) => {
    const res = await post(body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { decision?: string; error: { code: string } };
    if (code) expect(json.error.code).toBe(code);
    else expect(json.decision).toBe('challenge');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  });
});
