import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Copies headers minus hop-by-hop ones (and any named in `Connection`). */
export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(headers['connection'] ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** The upstream request for one client request: same method, path and headers, plus X-Forwarded-*. */
export interface Upstream {
  target: URL;
  agent: http.Agent;
  request(opts: { method: string; path: string; headers: http.OutgoingHttpHeaders }): http.ClientRequest;
}

export function createUpstream(target: URL): Upstream {
  const secure = target.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxFreeSockets: 64 }) : new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  const basePath = target.pathname.replace(/\/+$/, '');
  return {
    target,
    agent,
    request: ({ method, path, headers }) =>
      (secure ? https : http).request({ protocol: target.protocol, hostname: target.hostname, port: target.port, method, path: basePath + path, headers, agent }),
  };
}

/** Headers for Jellyfin: the client's, minus hop-by-hop, with the client address appended to X-Forwarded-For. */
export function forwardHeaders(req: http.IncomingMessage, clientIp: string, peerTrusted: boolean): http.OutgoingHttpHeaders {
  const headers = endToEndHeaders(req.headers);
  const prior = peerTrusted ? req.headers['x-forwarded-for'] : undefined;
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${req.socket.remoteAddress ?? clientIp}` : clientIp;
  if (!peerTrusted || !req.headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http';
  if (!peerTrusted || !req.headers['x-forwarded-host']) headers['x-forwarded-host'] = req.headers.host ?? '';
  return headers;
}

/** Streams a request to Jellyfin and its answer back, untouched (range requests, long media streams). */
export function proxyStream(upstream: Upstream, req: http.IncomingMessage, res: http.ServerResponse, headers: http.OutgoingHttpHeaders): void {
  const up = upstream.request({ method: req.method ?? 'GET', path: req.url ?? '/', headers });
  up.on('response', (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEndHeaders(upRes.headers));
    pipeline(upRes, res, () => undefined);
  });
  up.on('error', () => badGateway(res));
  // A client that goes away stops the upstream transfer too.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  pipeline(req, up, () => undefined);
}

/** Buffers Jellyfin's answer (authentication responses are small JSON documents). */
export function proxyBuffered(upstream: Upstream, method: string, path: string, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const up = upstream.request({ method, path, headers: { ...headers, 'content-length': String(body.length) } });
    up.on('response', (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => resolve({ status: upRes.statusCode ?? 502, headers: upRes.headers, body: Buffer.concat(chunks) }));
      upRes.on('error', reject);
    });
    up.on('error', reject);
    up.end(body);
  });
}

/** WebSockets (and any other `Upgrade`): hand the raw sockets to each other once Jellyfin agrees. */
export function proxyUpgrade(upstream: Upstream, req: http.IncomingMessage, socket: Duplex, head: Buffer, headers: http.OutgoingHttpHeaders): void {
  const up = upstream.request({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...headers, connection: 'Upgrade', upgrade: req.headers.upgrade ?? 'websocket' } });
  up.on('upgrade', (upRes, upSocket, upHead) => {
    const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`];
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    upSocket.pipe(socket).pipe(upSocket);
    const end = () => {
      upSocket.destroy();
      socket.destroy();
    };
    upSocket.on('error', end);
    socket.on('error', end);
    upSocket.on('close', end);
    socket.on('close', end);
  });
  up.on('response', (upRes) => {
    // Jellyfin refused the upgrade (e.g. 401): relay its answer and close.
    const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`, 'Connection: close'];
    for (const [k, v] of Object.entries(endToEndHeaders(upRes.headers))) lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    upRes.pipe(socket);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
  up.end();
}

export function badGateway(res: http.ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 502, { error: 'bad_gateway', message: 'Jellyfin could not be reached through the gateway.' });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
