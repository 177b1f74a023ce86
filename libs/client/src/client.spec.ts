import { LatchkeyAuthError, LatchkeyClient, LatchkeyError, LatchkeyNotFoundError, LatchkeyUnavailableError, LatchkeyValidationError, isAllowed } from './index';

function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('LatchkeyClient', () => {
  it('reads the revocation feed from a cursor', async () => {
    const f = fakeFetch(200, { items: [], next: '1700000000000:0b1c2d3e-0000-4000-8000-000000000000' });
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: f.fn });
    await c.revocations();
    await c.revocations('17:ab', 100);
    expect(f.calls.map((x) => x.url)).toEqual(['http://latchkey.test/api/v1/revocations', 'http://latchkey.test/api/v1/revocations?since=17%3Aab&limit=100']);
  });

  it('sends the API key as a bearer token and JSON bodies', async () => {
    const f = fakeFetch(200, { members: {}, groups: {}, libraries: {}, syncedAt: 'x' });
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test/', apiKey: 'lk_srv_abc', fetch: f.fn });
    await c.replaceDirectory({ members: [{ externalId: '1', username: 'ann' }] });
    expect(f.calls[0]!.url).toBe('http://latchkey.test/api/v1/directory');
    expect(f.calls[0]!.init.method).toBe('PUT');
    expect((f.calls[0]!.init.headers as Record<string, string>)['authorization']).toBe('Bearer lk_srv_abc');
    expect(JSON.parse(String(f.calls[0]!.init.body))).toEqual({ members: [{ externalId: '1', username: 'ann' }] });
  });

  it('turns API errors into typed LatchkeyErrors', async () => {
    const f = fakeFetch(401, { error: { code: 'unauthenticated', message: 'nope', requestId: 'r1' } });
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: f.fn });
    await expect(c.self()).rejects.toMatchObject({ status: 401, code: 'unauthenticated', requestId: 'r1' });
    await expect(c.self()).rejects.toBeInstanceOf(LatchkeyError);
  });

  it('reports network failures as network_error, and timeouts as timeout', async () => {
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: (async () => { throw new Error('ECONNREFUSED'); }) as unknown as typeof fetch });
    await expect(c.self()).rejects.toMatchObject({ code: 'network_error', status: 0, transient: true });
    await expect(c.self()).rejects.toBeInstanceOf(LatchkeyUnavailableError);
    const slow = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: (async () => { throw new DOMException('The operation timed out.', 'TimeoutError'); }) as unknown as typeof fetch });
    await expect(slow.self()).rejects.toMatchObject({ code: 'timeout', status: 0 });
  });

  it('groups errors by what a plugin does about them, and narrows by code', async () => {
    const cases: [number, string, unknown][] = [
      [401, 'unauthenticated', LatchkeyAuthError],
      [400, 'validation_failed', LatchkeyValidationError],
      [404, 'member_not_found', LatchkeyNotFoundError],
      [503, 'service_unavailable', LatchkeyUnavailableError],
    ];
    for (const [status, code, Kind] of cases) {
      const f = fakeFetch(status, { error: { code, message: 'x', details: { issues: [{ path: 'member.externalId', message: 'required' }] } } });
      const err = await new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: f.fn }).self().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Kind);
      expect((err as LatchkeyError).is(code as 'member_not_found')).toBe(true);
      expect((err as LatchkeyError).issues).toEqual([{ path: 'member.externalId', message: 'required' }]);
    }
    const html = fakeFetch(502, undefined);
    await expect(new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: html.fn }).self()).rejects.toMatchObject({ status: 502, code: 'internal_error' });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new LatchkeyClient({ baseUrl: 'latchkey.lan:8080', apiKey: 'k' })).toThrow(/http/);
  });

  it('tells allowing decisions apart', () => {
    expect(['allow', 'allow_in_grace', 'challenge', 'enrol_required', 'deny'].map((decision) => isAllowed({ decision: decision as 'allow' }))).toEqual([true, true, false, false, false]);
  });

  it('mints enrolment and security links', async () => {
    const f = fakeFetch(201, { url: 'http://latchkey.test/enrol#link=x', expiresAt: 'x' });
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: f.fn });
    await c.enrolmentLink('a/b');
    await c.securityLink('a1');
    expect(f.calls.map((x) => [x.url, JSON.parse(String(x.init.body))])).toEqual([
      ['http://latchkey.test/api/v1/directory/members/a%2Fb/links', { purpose: 'enrol' }],
      ['http://latchkey.test/api/v1/directory/members/a1/links', { purpose: 'manage' }],
    ]);
  });
});

describe('waitForChallenge', () => {
  it('waits `interval` between polls, longer after slowDown, until the challenge is done', async () => {
    const answers = [
      { status: 'pending', interval: 5, slowDown: false },
      { status: 'pending', interval: 10, slowDown: true },
      { status: 'completed', interval: 10, slowDown: false, completion: { token: 'v1.x' } },
    ];
    const waits: number[] = [];
    const fetchFn = (async () => new Response(JSON.stringify(answers.shift()), { status: 200 })) as unknown as typeof fetch;
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: fetchFn, sleep: async (ms) => void waits.push(ms) });
    const done = await c.waitForChallenge('c-1');
    expect(done.status).toBe('completed');
    expect(waits).toEqual([5000, 5000, 10000]);
  });

  function scripted(answers: (object | Error | [number, object])[]) {
    const waits: number[] = [];
    const fetchFn = (async () => {
      const next = answers.shift();
      if (next instanceof Error) throw next;
      if (Array.isArray(next)) return new Response(JSON.stringify(next[1]), { status: next[0] });
      return new Response(JSON.stringify(next), { status: 200 });
    }) as unknown as typeof fetch;
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: fetchFn, sleep: async (ms) => void waits.push(ms) });
    return { c, waits };
  }

  it('starts from the challenge’s own interval and never polls faster than Latchkey asks', async () => {
    const { c, waits } = scripted([
      { status: 'pending', interval: 7, slowDown: false },
      { status: 'pending', interval: 7, slowDown: true }, // an old server that did not lengthen the interval itself
      { status: 'expired', interval: 12, slowDown: false },
    ]);
    await expect(c.waitForChallenge({ id: 'c-1', interval: 7 })).resolves.toMatchObject({ status: 'expired' });
    expect(waits).toEqual([7000, 7000, 12000]);
  });

  it('backs off while Latchkey is unreachable or overloaded, then carries on', async () => {
    const { c, waits } = scripted([new Error('ECONNREFUSED'), [503, { error: { code: 'service_unavailable', message: 'x' } }], [429, { error: { code: 'rate_limited', message: 'x' } }], { status: 'pending', interval: 5, slowDown: false }, { status: 'completed', interval: 5, slowDown: false }]);
    await expect(c.waitForChallenge('c-1', { maxBackoff: 30 })).resolves.toMatchObject({ status: 'completed' });
    expect(waits).toEqual([5000, 10000, 20000, 30000, 5000]);
  });

  it('gives up at once on an unknown challenge or a revoked key', async () => {
    const { c } = scripted([[404, { error: { code: 'challenge_not_found', message: 'x' } }]]);
    await expect(c.waitForChallenge('c-1')).rejects.toBeInstanceOf(LatchkeyNotFoundError);
  });

  it('stops when asked to', async () => {
    const controller = new AbortController();
    const { c } = scripted([{ status: 'pending', interval: 5, slowDown: false }]);
    const waiting = c.waitForChallenge('c-1', { signal: controller.signal, sleep: async () => controller.abort() });
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' });
  });
});
