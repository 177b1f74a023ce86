import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as it arrived (what a webhook signature covers). */
  rawBody: string;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:41234 or http://[::1]:41234 */
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Answer for requests to a path (default 200 "ok"); a redirect when `location` is set. */
  answer(path: string, status: number, location?: string): void;
  /** Holds every answer from now on until `release()` (to catch senders in the middle of a request). */
  hold(): void;
  release(): void;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server on a loopback address that records every request (webhook, ntfy and Gotify tests). */
export async function startReceiver(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const answers = new Map<string, { status: number; location?: string }>();
  let held: (() => void)[] | null = null;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      received.push({ method: req.method ?? '', path, headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      const a = answers.get(path) ?? { status: 200 };
      const reply = () => res.writeHead(a.status, a.location ? { location: a.location } : { 'content-type': 'text/plain' }).end(a.status < 300 ? 'ok' : '');
      if (held) held.push(reply);
      else reply();
      for (const w of waiters.filter((x) => received.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    received,
    answer: (path, status, location) => answers.set(path, { status, location }),
    hold: () => (held ??= []),
    release: () => {
      const replies = held ?? [];
      held = null;
      replies.forEach((r) => r());
    },
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
