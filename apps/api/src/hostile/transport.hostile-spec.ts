import net from 'node:net';
import fc from 'fast-check';
import { startTestApp, TestApp } from '../testing/harness';
import { errorShapeProblem, newTally, report, SCALE, SEED } from './kit';

/**
 * Hostile input below the HTTP layer, over a real socket on loopback: requests Node's parser refuses
 * (oversized headers, broken request lines and body framing), clients that stall (slowloris), and raw
 * garbage. Each gets a 4xx in the one error shape and a closed connection, and nothing hangs.
 */
const tally = newTally();
let t: TestApp;
let port: number;

interface RawAnswer {
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** How long until the server closed the connection (or the client gave up). */
  ms: number;
  closedByServer: boolean;
}

/** Writes bytes (in pieces, with pauses, to play a slow client) and reads until the server closes. */
function raw(chunks: (string | Buffer)[], opts: { pauseMs?: number; giveUpMs?: number } = {}): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      socket.destroy();
      const text = Buffer.concat(got).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1];
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      tally.requests++;
      if (status) tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
      if (status && Number(status) >= 500) tally.status5xx++;
      resolve({ status: status ? Number(status) : null, headers, body: rest.join('\r\n\r\n'), ms: Date.now() - started, closedByServer });
    };
    const giveUp = setTimeout(() => {
      tally.hangs++;
      finish(false);
    }, opts.giveUpMs ?? 5_000);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        socket.write(c);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    });
  });
}

function expectRefusal(a: RawAnswer, status: number, code: string): void {
  expect({ status: a.status, closed: a.closedByServer }).toEqual({ status, closed: true });
  expect(errorShapeProblem({ statusCode: status, headers: { 'content-type': a.headers['content-type'] }, body: a.body })).toBeNull();
  expect(JSON.parse(a.body).error.code).toBe(code);
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
}

describe('hostile input on the wire', () => {
  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_REQUEST_TIMEOUT_SECONDS: '1' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    report('transport', { ...tally });
    await t.close();
  });

  it('oversized headers → 431 headers_too_large in the error shape', async () => {
    expectRefusal(await raw([`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'headers_too_large');
    expectRefusal(await raw([`GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ${'latchkey_admin=a; '.repeat(1_500)}\r\n\r\n`]), 431, 'headers_too_large');
    expectRefusal(await raw([`GET /api/v1/members?${'a=1&'.repeat(6_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]), 431, 'headers_too_large');
  });

  it.each([
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['two different Content-Length headers (request smuggling)', 'POST /api/v1/admin/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['Content-Length with Transfer-Encoding: chunked (request smuggling)', 'POST /api/v1/logins HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a broken chunk size', 'POST /api/v1/logins HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a NUL in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a bare LF header injection', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\nTransfer-Encoding: chunked\r\n\r\n'],
    ['a space before the colon', 'GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'],
  ])('%s → 400 in the error shape, connection closed', async (_label, request) => {
    expectRefusal(await raw([request]), 400, 'validation_failed');
  });

  it('a client that stalls in the middle of its body is cut off with 408 (no slowloris)', async () => {
    const a = await raw(['POST /api/v1/admin/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":'], { giveUpMs: 6_000 });
    expectRefusal(a, 408, 'request_timeout');
    expect(a.ms).toBeLessThan(4_000);
  });

  it('a client that trickles its headers is cut off too', async () => {
    const a = await raw(['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n'], { pauseMs: 400, giveUpMs: 6_000 });
    expect(a.closedByServer).toBe(true);
    expect(a.ms).toBeLessThan(4_500);
    if (a.status !== null) expectRefusal(a, 408, 'request_timeout');
  });

  it('the service still answers after all that', async () => {
    const a = await raw(['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(a.status).toBe(200);
  });

  it('random bytes on the socket: never a 5xx, every answer in the error shape', async () => {
    const request = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => Buffer.from(b)),
      fc
        .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'G\u0000T'), fc.string({ unit: 'binary-ascii', maxLength: 60 }), fc.array(fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 20 }), fc.string({ unit: 'binary-ascii', maxLength: 60 })), { maxLength: 6 }), fc.string({ unit: 'binary-ascii', maxLength: 200 }))
        .map(([m, url, headers, body]) => Buffer.from(`${m} /${url} HTTP/1.1\r\nHost: x\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n${body}`, 'latin1')),
    );
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        const a = await raw([bytes], { giveUpMs: 4_000 });
        expect(a.closedByServer).toBe(true);
        if (a.status === null) return;
        expect(a.status).toBeLessThan(500);
        if (a.status >= 400) expect(errorShapeProblem({ statusCode: a.status, headers: { 'content-type': a.headers['content-type'] }, body: a.body })).toBeNull();
      }),
      { numRuns: Math.round(150 * SCALE), seed: SEED },
    );
  });
});
