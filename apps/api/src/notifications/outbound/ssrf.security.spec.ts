import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { AllowList, refusalReason } from './address-policy';
import { ConnectTarget, Connector, OutboundFailed, OutboundHttp, OutboundRefused, Resolver, systemConnector } from './outbound-http';

const NONE: AllowList = { hosts: [], cidrs: [] };

/** A connection layer that records every attempt and opens nothing. */
function spyConnector(): { connector: Connector; attempts: ConnectTarget[] } {
  const attempts: ConnectTarget[] = [];
  return {
    attempts,
    connector: (t) => {
      attempts.push(t);
      throw new Error(`test: a connection to ${t.address} was attempted`);
    },
  };
}

/** A fake resolver with a fixed table; records the names it was asked. */
function fakeResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const r = async (name: string) => {
    asked.push(name);
    const list = table[name];
    if (!list) throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(r, { asked });
}

/**
 * An in-memory "public web server": the connection layer answers every request itself with `reply`,
 * so a test can follow a redirect from a public address without a packet leaving the process.
 */
function inMemoryConnector(reply: (target: ConnectTarget, head: string) => string): { connector: Connector; attempts: ConnectTarget[] } {
  const attempts: ConnectTarget[] = [];
  return {
    attempts,
    connector: (target) => {
      attempts.push(target);
      let received = '';
      let answered = false;
      const socket: Duplex = new Duplex({
        read() {
          // The response is pushed when the request has arrived.
        },
        write(chunk: Buffer, _enc, done) {
          received += chunk.toString('latin1');
          if (!answered && received.includes('\r\n\r\n')) {
            answered = true;
            socket.push(reply(target, received));
            socket.push(null);
          }
          done();
        },
      });
      return socket;
    },
  };
}

const redirectTo = (location: string) => `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;

describe('refused addresses', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['100.64.0.1', 'private (carrier-grade NAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved (incl. broadcast)'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'private (unique local)'],
    ['fc00::1', 'private (unique local)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['::ffff:a9fe:a9fe', 'link-local (cloud metadata)'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'reserved (IPv4-compatible)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata), through NAT64'],
    ['64:ff9b::10.1.2.3', 'private, through NAT64'],
    ['2002:a9fe:a9fe::1', 'link-local (cloud metadata), through 6to4'],
    ['2002:7f00:1::', 'loopback, through 6to4'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is refused (%s)', (ip, reason) => {
    expect(refusalReason(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '93.184.215.14', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])(
    '%s is a public address',
    (ip) => {
      expect(refusalReason(ip)).toBeNull();
    },
  );
});

describe('SSRF: refused before any connection is opened (connection layer replaced by a spy)', () => {
  const forbidden = [
    ['10.0.0.1', 'http://10.0.0.1/hook'],
    ['192.168.1.1', 'http://192.168.1.1:8123/api/webhook/x'],
    ['169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
    ['fd00::1', 'https://[fd00::1]/hook'],
  ] as const;

  it.each(forbidden)('a URL naming %s directly', async (_ip, url) => {
    const spy = spyConnector();
    const resolver = fakeResolver({});
    const client = new OutboundHttp({ allow: NONE, connector: spy.connector, resolver });
    await expect(client.request(url, { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    await expect(client.vet(url)).rejects.toThrow(OutboundRefused);
    expect(spy.attempts).toEqual([]);
    expect(resolver.asked).toEqual([]);
  });

  it.each(forbidden)('a host name resolving to %s (alone, or among public addresses)', async (ip) => {
    const spy = spyConnector();
    const resolver = fakeResolver({ 'hooks.example.com': [ip], 'mixed.example.com': ['93.184.215.14', ip] });
    const client = new OutboundHttp({ allow: NONE, connector: spy.connector, resolver });
    await expect(client.request('https://hooks.example.com/x', { method: 'POST', body: '{}' })).rejects.toThrow(
      new OutboundRefused(`hooks.example.com resolves to ${ip}, a ${refusalReason(ip)} address`),
    );
    await expect(client.request('https://mixed.example.com/x', { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    expect(spy.attempts).toEqual([]);
  });

  it.each(forbidden)('a redirect (to the address, or to a name resolving to it) from a public server to %s', async (ip, url) => {
    const resolver = fakeResolver({ 'public.example.com': ['93.184.215.14'], 'inside.example.com': [ip] });
    const fake = inMemoryConnector((_t, head) => redirectTo(head.includes('/by-name') ? 'http://inside.example.com/x' : url));
    const client = new OutboundHttp({ allow: NONE, connector: fake.connector, resolver });
    await expect(client.request('https://public.example.com/direct', { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    await expect(client.request('https://public.example.com/by-name', { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    // Only the public first hops were "connected" (in memory); never the forbidden address.
    expect(fake.attempts.map((a) => a.address)).toEqual(['93.184.215.14', '93.184.215.14']);
  });

  it.each([
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://127.1/',
    'http://0/',
    'http://[::]/',
    'http://[::1]:8080/',
    'http://[fe80::1%25eth0]/',
  ])('other spellings of local addresses: %s', async (url) => {
    const spy = spyConnector();
    const client = new OutboundHttp({ allow: NONE, connector: spy.connector, resolver: fakeResolver({}) });
    await expect(client.request(url, { method: 'GET' })).rejects.toThrow(OutboundRefused);
    expect(spy.attempts).toEqual([]);
  });

  it('refuses non-http schemes and URLs carrying credentials', async () => {
    const spy = spyConnector();
    const client = new OutboundHttp({ allow: NONE, connector: spy.connector, resolver: fakeResolver({ 'a.example.com': ['93.184.215.14'] }) });
    for (const url of ['file:///etc/passwd', 'gopher://a.example.com/', 'ftp://a.example.com/', 'http://u:p@a.example.com/', 'not a url']) {
      await expect(client.request(url, { method: 'GET' })).rejects.toThrow(OutboundRefused);
    }
    expect(spy.attempts).toEqual([]);
  });

  it('an allow-listed range or host name lets a private target through, and only that one', async () => {
    const fake = inMemoryConnector(() => 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    const resolver = fakeResolver({ 'ha.lan': ['192.168.1.20'], 'other.lan': ['192.168.1.21'] });
    const client = new OutboundHttp({ allow: { hosts: ['ha.lan'], cidrs: ['10.0.0.0/24'] }, connector: fake.connector, resolver });
    await expect(client.request('http://10.0.0.1/hook', { method: 'POST', body: '{}' })).resolves.toMatchObject({ status: 204 });
    await expect(client.request('http://HA.lan./hook', { method: 'POST', body: '{}' })).resolves.toMatchObject({ status: 204 });
    await expect(client.request('http://10.0.1.1/hook', { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    await expect(client.request('http://other.lan/hook', { method: 'POST', body: '{}' })).rejects.toThrow(OutboundRefused);
    await expect(client.request('http://169.254.169.254/', { method: 'GET' })).rejects.toThrow(OutboundRefused);
    expect(fake.attempts.map((a) => a.address)).toEqual(['10.0.0.1', '192.168.1.20']);
  });
});

describe('live requests to loopback receivers (allow-listed)', () => {
  interface Seen {
    method: string;
    url: string;
    host: string;
    authorization?: string;
    body: string;
  }
  const seen: Seen[] = [];
  let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_q, res) => res.end('ok');
  const servers: http.Server[] = [];
  let v4 = 0;
  let v6 = 0;

  async function listen(host: string): Promise<number> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', authorization: req.headers.authorization, body });
        handler(req, res, body);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    v4 = await listen('127.0.0.1');
    v6 = await listen('::1');
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  beforeEach(() => {
    seen.length = 0;
    handler = (_q, res) => res.end('ok');
  });

  /** The real connection layer, recording where it connects. */
  function recordingSystemConnector(): { connector: Connector; attempts: ConnectTarget[] } {
    const attempts: ConnectTarget[] = [];
    return { attempts, connector: (t) => (attempts.push(t), systemConnector(t)) };
  }

  it('reaches 127.0.0.1 and [::1] when allow-listed, sending the body and Host as given', async () => {
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1', '::1'] } });
    await expect(client.request(`http://127.0.0.1:${v4}/a?b=1`, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } })).resolves.toMatchObject({ status: 200, body: 'ok' });
    await expect(client.request(`http://[::1]:${v6}/c`, { method: 'POST', body: 'y' })).resolves.toMatchObject({ status: 200 });
    expect(seen).toEqual([
      { method: 'POST', url: '/a?b=1', host: `127.0.0.1:${v4}`, body: '{"x":1}' },
      { method: 'POST', url: '/c', host: `[::1]:${v6}`, body: 'y' },
    ]);
  });

  it('refuses the same loopback receivers without the allow-list, opening no connection', async () => {
    const spy = recordingSystemConnector();
    const client = new OutboundHttp({ allow: NONE, connector: spy.connector });
    await expect(client.request(`http://127.0.0.1:${v4}/`, { method: 'GET' })).rejects.toThrow('127.0.0.1 is a loopback address');
    await expect(client.request(`http://[::1]:${v6}/`, { method: 'GET' })).rejects.toThrow('::1 is a loopback address');
    await expect(client.request(`http://localhost:${v4}/`, { method: 'GET' })).rejects.toThrow(/localhost resolves to .*loopback/);
    expect(spy.attempts).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('connects to the address it resolved and checked (pinned), keeping the host name in Host', async () => {
    const resolver = fakeResolver({ 'hooks.test': ['127.0.0.1'] });
    const spy = recordingSystemConnector();
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.0/8'] }, resolver, connector: spy.connector });
    await expect(client.request(`http://hooks.test:${v4}/pinned`, { method: 'GET' })).resolves.toMatchObject({ status: 200 });
    expect(resolver.asked).toEqual(['hooks.test']);
    expect(spy.attempts).toEqual([{ address: '127.0.0.1', family: 4, port: v4, tls: false, servername: 'hooks.test' }]);
    expect(seen[0]?.host).toBe(`hooks.test:${v4}`);
  });

  it('a real host name (localhost) resolved by the system resolver', async () => {
    const client = new OutboundHttp({ allow: { hosts: ['localhost'], cidrs: [] } });
    await expect(client.request(`http://localhost:${v4}/sys`, { method: 'GET' })).resolves.toMatchObject({ status: 200 });
    expect(seen.map((s) => s.url)).toEqual(['/sys']);
  });

  it('follows a redirect to loopback when allowed (307 keeps method and body; credentials dropped across origins)', async () => {
    handler = (req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: `http://[::1]:${v6}/end` }).end();
      else res.end('arrived');
    };
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1', '::1'] } });
    const res = await client.request(`http://127.0.0.1:${v4}/start`, { method: 'POST', body: 'payload', headers: { authorization: 'Bearer t' } });
    expect(res).toMatchObject({ status: 200, body: 'arrived', url: `http://[::1]:${v6}/end` });
    expect(seen).toEqual([
      { method: 'POST', url: '/start', host: `127.0.0.1:${v4}`, authorization: 'Bearer t', body: 'payload' },
      { method: 'POST', url: '/end', host: `[::1]:${v6}`, body: 'payload' },
    ]);
  });

  it('refuses a redirect to a loopback address that is not allow-listed, without connecting to it', async () => {
    handler = (_q, res) => res.writeHead(302, { location: `http://[::1]:${v6}/inside` }).end();
    const resolver = fakeResolver({ 'hooks.test': ['127.0.0.1'] });
    const spy = recordingSystemConnector();
    const client = new OutboundHttp({ allow: { hosts: ['hooks.test'], cidrs: [] }, resolver, connector: spy.connector });
    await expect(client.request(`http://hooks.test:${v4}/`, { method: 'POST', body: '{}' })).rejects.toThrow('::1 is a loopback address');
    expect(spy.attempts.map((a) => a.address)).toEqual(['127.0.0.1']);
    expect(seen).toHaveLength(1);
  });

  it('follows at most 3 redirects', async () => {
    handler = (req, res) => res.writeHead(302, { location: `/r${Number(req.url?.slice(2) || 0) + 1}` }).end();
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1'] } });
    await expect(client.request(`http://127.0.0.1:${v4}/r0`, { method: 'GET' })).rejects.toThrow(new OutboundFailed('more than 3 redirects'));
    expect(seen.map((s) => s.url)).toEqual(['/r0', '/r1', '/r2', '/r3']);
  });

  it('reads at most maxResponseBytes of a response', async () => {
    handler = (_q, res) => res.end('x'.repeat(1_000_000));
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1'] }, maxResponseBytes: 1000 });
    const res = await client.request(`http://127.0.0.1:${v4}/big`, { method: 'GET' });
    expect({ status: res.status, length: res.body.length, truncated: res.truncated }).toEqual({ status: 200, length: 1000, truncated: true });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    handler = () => undefined; // never answers
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1'] }, timeoutMs: 150 });
    await expect(client.request(`http://127.0.0.1:${v4}/slow`, { method: 'POST', body: '{}' })).rejects.toThrow(new OutboundFailed('no answer within 150 ms'));
  });

  it('reports a connection failure as a failed attempt (nothing listening)', async () => {
    const spare = http.createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const port = (spare.address() as AddressInfo).port;
    await new Promise((r) => spare.close(r));
    const client = new OutboundHttp({ allow: { hosts: [], cidrs: ['127.0.0.1'] } });
    await expect(client.request(`http://127.0.0.1:${port}/`, { method: 'GET' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
