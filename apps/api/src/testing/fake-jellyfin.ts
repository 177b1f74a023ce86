import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJellyfin {
  baseUrl: string;
  /** Requests received, in order (method, path, parsed body, authorization header). */
  calls: { method: string; path: string; body: unknown; authorization: string | undefined }[];
  /** Makes the server answer 500 to everything (down for maintenance). */
  failing: boolean;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for Jellyfin's password check: `POST /Users/AuthenticateByName` answers 200 with the
 * user and an access token for the right password, 401 otherwise; `POST /Sessions/Logout` answers 204.
 */
export async function startFakeJellyfin(users: { id: string; name: string; password: string }[]): Promise<FakeJellyfin> {
  const fake: FakeJellyfin = { baseUrl: '', calls: [], failing: false, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      fake.calls.push({ method: req.method ?? '', path: req.url ?? '', body, authorization: req.headers['authorization'] });
      if (fake.failing) return void res.writeHead(500).end();
      if (req.method === 'POST' && req.url === '/Users/AuthenticateByName') {
        const user = users.find((u) => u.name.toLowerCase() === String(body?.['Username'] ?? '').toLowerCase() && u.password === body?.['Pw']);
        if (!user) return void res.writeHead(401).end('Error processing request.');
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ User: { Id: user.id, Name: user.name, Policy: { IsAdministrator: false } }, AccessToken: `token-${user.id}`, ServerId: 'fake' }));
      }
      if (req.method === 'POST' && req.url === '/Sessions/Logout') return void res.writeHead(204).end();
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}
