import fs from 'node:fs';
import path from 'node:path';
import { FEATURE_MODULES } from './app.module';
import { collectRoutes, RouteInfo } from './openapi/openapi';
import { AdminCredentials, memberSession, registerServer, setupOwner, startTestApp, TestApp } from './testing/harness';
import { PUBLIC_ROUTES } from './testing/public-routes';

const routes = collectRoutes(FEATURE_MODULES);

describe('API conventions', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let serverKey: string;
  let member: AdminCredentials;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
    serverKey = (await registerServer(t, admin)).apiKey;
    member = await memberSession(t, serverKey);
  });
  afterAll(() => t.close());

  const urlOf = (r: RouteInfo) => r.path.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000');
  const authOf = (r: RouteInfo) =>
    r.auth?.kind === 'server' ? { bearer: serverKey } : r.auth?.kind === 'admin' ? { admin } : r.auth?.kind === 'member' ? { admin: member } : {};

  it('every route declares who may call it and what it takes (deny by default is visible)', () => {
    for (const r of routes) {
      expect({ route: `${r.method} ${r.path}`, auth: r.auth?.kind ?? 'MISSING', spec: r.spec ? 'ok' : 'MISSING' }).toEqual({ route: `${r.method} ${r.path}`, auth: expect.stringMatching(/^(public|server|admin|member)$/), spec: 'ok' });
    }
    expect(routes.filter((r) => r.auth?.kind === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('every protected route refuses anonymous callers with 401 in the error shape', async () => {
    for (const r of routes.filter((x) => x.auth?.kind !== 'public')) {
      const res = await t.request({ method: r.method as 'GET', url: urlOf(r), body: r.spec?.body ? {} : undefined });
      expect({ route: `${r.method} ${r.path}`, status: res.statusCode, code: res.json().error?.code }).toEqual({ route: `${r.method} ${r.path}`, status: 401, code: 'unauthenticated' });
    }
  });

  describe.each(routes.filter((r) => r.spec?.body).map((r) => [`${r.method} ${r.path}`, r] as const))('bad bodies to %s', (_, r) => {
    const cases: [string, { payload?: string | Buffer; headers?: Record<string, string> }, number, string][] = [
      ['malformed JSON', { payload: '{"name": ', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
      ['a JSON array', { payload: '[1,2,3]', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['a JSON string', { payload: '"hello"', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['a JSON number', { payload: '42', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['null', { payload: 'null', headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['unknown fields', { payload: JSON.stringify({ surprise: true, __proto__: { admin: true } }), headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['wrong types', { payload: JSON.stringify({ name: 1, email: [], members: 'x', token: {}, password: 7 }), headers: { 'content-type': 'application/json' } }, 400, 'validation_failed'],
      ['text/plain', { payload: '{}', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
      ['a form', { payload: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
      ['an empty JSON body', { payload: '', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
    ];
    it.each(cases)('%s → 4xx with a stable code', async (_label, req, status, code) => {
      const res = await t.request({ method: r.method as 'POST', url: urlOf(r), ...authOf(r), ...req, headers: { ...req.headers } });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
    });
    it('a 2 MB body → 413', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
      const res = await t.request({ method: r.method as 'POST', url: urlOf(r), ...authOf(r), payload: big, headers: { 'content-type': 'application/json' } });
      if (r.spec?.bodyLimit === 'directory') {
        // The directory push accepts large bodies on purpose; 2 MB of nonsense is still refused as invalid.
        expect(res.statusCode).toBe(400);
      } else {
        expect(res.statusCode).toBe(413);
        expect(res.json().error.code).toBe('payload_too_large');
      }
    });
  });

  it('refuses a directory push over its own limit with 413', async () => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: serverKey, payload: Buffer.alloc(t.config.directoryBodyLimit + 1, 32), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
  });

  it('refuses unknown query parameters and bad path parameters', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/members?evil=1', admin })).json().error.details.issues[0].path).toBe('query');
    const res = await t.request({ method: 'GET', url: '/api/v1/servers/not-a-uuid', admin });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('params.serverId');
    expect((await t.request({ method: 'GET', url: '/api/v1/members?limit=100000', admin })).statusCode).toBe(400);
  });

  it('unknown routes answer 404 in the error shape', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/nope?token=secret' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(res.body).not.toContain('secret');
    expect((await t.request({ method: 'POST', url: '/healthz' })).statusCode).toBe(404);
  });

  it('URLs the router cannot read (broken percent-encoding, over-long segments) get a 400 in the error shape', async () => {
    // Found by the hostile-input suite: Fastify used to answer these itself, in its own shape and without security headers.
    for (const url of ['/api/v1/servers/%ED%A0%80', '/api/v1/servers/%E0%A4%A', `/api/v1/servers/${'x'.repeat(300)}`]) {
      const res = await t.request({ method: 'GET', url, admin });
      expect({ url, status: res.statusCode, code: res.json().error?.code, nosniff: res.headers['x-content-type-options'], id: typeof res.json().error?.requestId }).toEqual({ url, status: 400, code: 'validation_failed', nosniff: 'nosniff', id: 'string' });
    }
  });

  it('health, readiness and metrics answer', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { database: 'ok' } });
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/latchkey_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\}/);
    expect(metrics.body).toMatch(/latchkey_process_cpu_seconds_total/);
  });

  it('serves the API reference at /api/docs with its assets, under the strict CSP', async () => {
    const page = await t.request({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
    expect((await t.request({ method: 'GET', url: '/api/docs/assets/swagger-ui-bundle.js' })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/docs/assets/docs-init.js' })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/docs/assets/..%2Fpackage.json' })).statusCode).toBe(404);
    // Found by the hostile-input suite: these names once reached Object.prototype and answered 500.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect((await t.request({ method: 'GET', url: `/api/docs/assets/${name}` })).statusCode).toBe(404);
    }
    expect((await t.request({ method: 'GET', url: '/api/docs/openapi.json' })).json().openapi).toBe('3.1.0');
  });

  it('sets strict security headers and a request id on every response', async () => {
    for (const url of ['/healthz', '/api/v1/servers', '/api/v1/nope']) {
      const res = await t.request({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    }
    const echoed = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const injected = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad\nid value' } });
    expect(injected.headers['x-request-id']).not.toContain('bad');
  });
});

describe('OpenAPI document', () => {
  it('is committed as openapi.json and matches the code (run `npm run openapi` after changing the API)', async () => {
    const t = await startTestApp();
    try {
      const doc = (await t.request({ method: 'GET', url: '/api/docs/openapi.json' })).json();
      const file = path.resolve(__dirname, '../../../openapi.json');
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (process.env['UPDATE_OPENAPI'] === '1') fs.writeFileSync(file, text);
      expect(fs.existsSync(file)).toBe(true);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(doc);
      const schemes = Object.keys(doc.components.securitySchemes);
      for (const r of routes) {
        const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
        const route = `${r.method} ${r.path}`;
        expect({ route, defined: op !== undefined }).toEqual({ route, defined: true });
        // Summary, tag, auth scheme (an existing one; public routes none), error answers, examples.
        expect({ route, summary: typeof op.summary, tags: op.tags.length }).toEqual({ route, summary: 'string', tags: 1 });
        for (const requirement of op.security) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
        if (r.auth?.kind !== 'public') expect({ route, security: op.security.length > 0, has401: '401' in op.responses }).toEqual({ route, security: true, has401: true });
        expect({ route, errors: Object.keys(op.responses).some((s) => Number(s) >= 400) }).toEqual({ route, errors: true });
        const contents = [op.requestBody?.content, ...Object.values(op.responses as Record<string, { content?: unknown }>).map((x) => x.content)].filter(Boolean);
        for (const content of contents as Record<string, { example?: unknown }>[]) {
          const json = content['application/json'];
          expect({ route, example: json?.example !== undefined }).toEqual({ route, example: true });
        }
      }
    } finally {
      await t.close();
    }
  });
});
