import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestOpts, requestParts, SessionResponse, TestApp } from './harness';

/** An answer received over a real socket, shaped like an in-process one where the tests read it. */
export interface HttpAnswer extends SessionResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type HttpClient = (o: RequestOpts) => Promise<HttpAnswer>;

/**
 * Makes a test app listen on 127.0.0.1 (a random port) and returns a client that talks to it over real
 * HTTP — its own connection pool, its own sockets — as a load balancer in front of several instances would.
 */
export async function listenOnLoopback(t: TestApp): Promise<{ client: HttpClient; base: string }> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  t.app.getHttpServer().on('close', () => agent.destroy());
  const client: HttpClient = (o) => {
    const { headers, payload } = requestParts(o);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: o.method, path: o.url, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body, cookies: cookiesOf(res.headers), json: () => JSON.parse(body) });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
  return { client, base: `http://127.0.0.1:${port}` };
}

function cookiesOf(headers: http.IncomingHttpHeaders): { name: string; value: string }[] {
  return (headers['set-cookie'] ?? []).map((line) => {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
  });
}
