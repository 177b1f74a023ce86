import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type OwnerSession, registerServer } from './owner';
import { asServer } from './portal-flows';
import type { RunningService } from './service';

/** A member of the media server, with the password it checks. */
export interface MediaUser {
  id: string;
  name: string;
  password: string;
}

/** What the media server stand-in received, as it echoes it back. */
export interface Echo {
  path: string;
  remoteUser: string | null;
  remoteName: string | null;
  remoteEmail: string | null;
  remoteGroups: string | null;
  /** Any other `Remote-*` header that reached the media server. */
  otherRemote: Record<string, string>;
}

export interface MediaServer {
  url: string;
  port: number;
  hits: () => number;
  close(): Promise<void>;
}

const ECHOED = ['remote-user', 'remote-name', 'remote-email', 'remote-groups'];

function one(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(',') : value;
}

/**
 * A media server for a reverse proxy to protect: it answers Jellyfin's password check (which Latchkey's
 * sign-in page uses), and every other request with what it received (an `Echo`) — so a test sees what the
 * proxy passed on.
 */
export async function startMediaServer(users: MediaUser[]): Promise<MediaServer> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/Users/AuthenticateByName') {
        const body = JSON.parse(raw || '{}') as { Username?: string; Pw?: string };
        const user = users.find((u) => u.name === body.Username?.toLowerCase() && u.password === body.Pw);
        if (!user) return void res.writeHead(401).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ User: { Id: user.id, Name: user.name }, AccessToken: 'jf-token' }));
      }
      if (req.method === 'POST' && req.url === '/Sessions/Logout') return void res.writeHead(204).end();
      hits++;
      const otherRemote = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([name]) => name.startsWith('remote-') && !ECHOED.includes(name))
          .map(([name, value]) => [name, one(value) ?? '']),
      );
      const echo: Echo = {
        path: req.url ?? '',
        remoteUser: one(req.headers['remote-user']),
        remoteName: one(req.headers['remote-name']),
        remoteEmail: one(req.headers['remote-email']),
        remoteGroups: one(req.headers['remote-groups']),
        otherRemote,
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * The owner registers the media server, lists the reverse proxy's host among its forward-auth hosts, and
 * the media server pushes its directory. Returns the server's API key.
 */
export async function protectWithLatchkey(svc: RunningService, owner: OwnerSession, opts: { mediaUrl: string; host: string; directory: unknown }): Promise<string> {
  const apiKey = await registerServer(svc, owner, 'Family Jellyfin');
  const admin = { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken };
  const servers = (await (await fetch(`${svc.base}/api/v1/servers`, { headers: admin })).json()) as { items: { id: string }[] };
  const server = servers.items[0];
  if (!server) throw new Error('the server just registered is not listed');
  const patched = await fetch(`${svc.base}/api/v1/servers/${server.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ baseUrl: opts.mediaUrl, forwardAuthHosts: [opts.host] }) });
  if (patched.status !== 200) throw new Error(`protecting ${opts.host} failed: ${patched.status} ${await patched.text()}`);
  const sync = await asServer(svc, apiKey, 'PUT', '/api/v1/directory', opts.directory);
  if (sync.status !== 200) throw new Error(`directory sync failed: ${sync.status} ${JSON.stringify(sync.body)}`);
  return apiKey;
}

function cookieNamed(res: Response, name: string): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in ${res.status}`);
  return cookie.split(';')[0] ?? cookie;
}

/**
 * What the sign-in page does for a member without a second factor (no policy asks for one): the media-server
 * password, then the proxy session. Returns the `latchkey_proxy` cookie for the page `rd`.
 */
export async function proxySession(svc: RunningService, rd: string, username: string, password: string): Promise<string> {
  const started = await fetch(`${svc.base}/api/v1/forward-auth/sign-in/password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rd, username, password }) });
  if (started.status !== 201) throw new Error(`password step failed: ${started.status} ${await started.text()}`);
  const { csrfToken } = (await started.json()) as { csrfToken: string };
  const headers = { 'content-type': 'application/json', cookie: cookieNamed(started, 'latchkey_member'), 'x-csrf-token': csrfToken };
  const done = await fetch(`${svc.base}/api/v1/forward-auth/sign-in/complete`, { method: 'POST', headers, body: JSON.stringify({ rd }) });
  if (done.status !== 200) throw new Error(`completing the sign-in failed: ${done.status} ${await done.text()}`);
  return cookieNamed(done, 'latchkey_proxy');
}
