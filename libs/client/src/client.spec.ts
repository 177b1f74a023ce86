import { LatchkeyClient, LatchkeyError } from './index';

function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('LatchkeyClient', () => {
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

  it('reads the revocation feed from a cursor', async () => {
    const f = fakeFetch(200, { items: [], next: '1700000000000:0b1c2d3e-0000-4000-8000-000000000000' });
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: f.fn });
    await c.revocations();
    await c.revocations('17:ab', 100);
    expect(f.calls.map((x) => x.url)).toEqual(['http://latchkey.test/api/v1/revocations', 'http://latchkey.test/api/v1/revocations?since=17%3Aab&limit=100']);
  });

  it('reports network failures as network_error', async () => {
    const c = new LatchkeyClient({ baseUrl: 'http://latchkey.test', apiKey: 'k', fetch: (async () => { throw new Error('ECONNREFUSED'); }) as unknown as typeof fetch });
    await expect(c.self()).rejects.toMatchObject({ code: 'network_error', status: 0 });
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
});
