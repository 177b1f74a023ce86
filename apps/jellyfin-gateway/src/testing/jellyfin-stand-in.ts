import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { AuthenticateUserByName, AuthenticationResult, MessageCommand, QuickConnectDto, QuickConnectResult, SessionInfoDto, UserDto, VirtualFolderInfo } from '@jellyfin/sdk/lib/generated-client/models';
import { parseEmbyAuthorization } from '../auth-request';

export interface StandInUser {
  id: string;
  name: string;
  password: string;
}

/** How the stand-in serves the web client's `index.html`. */
export interface WebIndexOptions {
  html: string;
  /** `auto`: the first of br, gzip, deflate the request accepts (as ASP.NET's response compression does). */
  encoding: 'auto' | 'identity' | 'gzip' | 'br' | 'deflate';
  /** Sent without Content-Length (Transfer-Encoding: chunked). */
  chunked: boolean;
  contentType: string;
  /** A Content-Security-Policy header sent with the page. */
  csp?: string;
}

export const STAND_IN_INDEX_HTML = '<!DOCTYPE html><html class="preload" dir="ltr"><head><meta charset="utf-8"><title>Jellyfin</title><link href="main.jellyfin.bundle.css" rel="stylesheet"></head><body dir="ltr"><div class="skinHeader"></div><script defer="defer" src="main.jellyfin.bundle.js"></script></body></html>';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A Jellyfin stand-in for tests, speaking the request and response shapes of Jellyfin 10.10/10.11's API as
 * typed by @jellyfin/sdk 1.0 (generated from Jellyfin's OpenAPI): password and Quick Connect sign-in,
 * the deprecated `/Users/{id}/Authenticate?pw=`, `/Sessions/Logout`, a media stream with range requests,
 * API-key calls and a WebSocket. Routing is case-insensitive, accepts a trailing slash, decodes the path
 * and strips the legacy `/emby` prefix, as Jellyfin's does.
 */
export class JellyfinStandIn {
  readonly serverId = crypto.randomBytes(16).toString('hex');
  readonly server: http.Server;
  readonly seen: SeenRequest[] = [];
  readonly loggedOut: string[] = [];
  /** Every AuthenticationResult it answered, in order. */
  readonly issued: AuthenticationResult[] = [];
  readonly tokens = new Set<string>();
  /** Active sessions by access token. */
  readonly sessions = new Map<string, SessionInfoDto>();
  /** Messages shown on sessions (`POST /Sessions/{id}/Message`). */
  readonly messages: Array<{ sessionId: string; message: MessageCommand }> = [];
  /** The admin's Jellyfin API key. */
  readonly apiKey = 'jellyfin-admin-api-key';
  /** Libraries (`GET /Library/VirtualFolders`). */
  libraries: VirtualFolderInfo[] = [];
  /** Answer 503 to the next this many `GET /Users` calls (Jellyfin busy or restarting). */
  failUsers = 0;
  /** While set, `GET /Sessions` waits for it (a slow Jellyfin). */
  holdSessions: Promise<void> | null = null;
  web: WebIndexOptions = { html: STAND_IN_INDEX_HTML, encoding: 'auto', chunked: false, contentType: 'text/html; charset=utf-8' };
  /** Other files of the web client, by name under `/web/` (served as JavaScript). */
  webFiles = new Map<string, string>();
  private readonly quickConnect = new Map<string, { code: string; userId: string | null }>();

  constructor(
    readonly users: StandInUser[],
    readonly media: Buffer,
  ) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket) => {
      // A tiny "WebSocket": accept the upgrade, then echo whatever arrives.
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /** The member approves a Quick Connect code from an already signed-in client. */
  authorizeQuickConnect(code: string, userId: string): void {
    for (const entry of this.quickConnect.values()) if (entry.code === code) entry.userId = userId;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://jellyfin');
    const route = decodeURIComponent(url.pathname)
      .replace(/^\/(emby|mediabrowser)(?=\/)/i, '')
      .replace(/\/+$/, '')
      .toLowerCase();
    const body = await new Promise<Buffer>((r) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => r(Buffer.concat(chunks)));
    });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };

    if (req.method === 'POST' && route === '/users/authenticatebyname') {
      const dto = JSON.parse(body.toString() || '{}') as AuthenticateUserByName;
      const user = this.users.find((u) => u.name.toLowerCase() === (dto.Username ?? '').toLowerCase() && u.password === dto.Pw);
      return user ? json(200, this.signIn(user, req)) : json(401, 'Error processing request.');
    }
    const legacy = /^\/users\/([^/]+)\/authenticate$/.exec(route);
    if (req.method === 'POST' && legacy) {
      const user = this.users.find((u) => u.id === legacy[1] && u.password === url.searchParams.get('pw'));
      return user ? json(200, this.signIn(user, req)) : json(401, 'Error processing request.');
    }
    if (req.method === 'POST' && route === '/quickconnect/initiate') {
      const secret = crypto.randomBytes(32).toString('hex');
      const code = String(crypto.randomInt(100000, 999999));
      this.quickConnect.set(secret, { code, userId: null });
      const result: QuickConnectResult = { Authenticated: false, Secret: secret, Code: code, DeviceId: 'x', DeviceName: 'x', AppName: 'x', AppVersion: 'x', DateAdded: new Date().toISOString() };
      return json(200, result);
    }
    if (req.method === 'POST' && route === '/users/authenticatewithquickconnect') {
      const dto = JSON.parse(body.toString() || '{}') as QuickConnectDto;
      const entry = this.quickConnect.get(dto.Secret);
      const user = entry?.userId ? this.users.find((u) => u.id === entry.userId) : undefined;
      if (!user) return json(401, 'Quick connect request not authorized.');
      this.quickConnect.delete(dto.Secret);
      return json(200, this.signIn(user, req));
    }
    if (req.method === 'POST' && route === '/sessions/logout') {
      const token = parseEmbyAuthorization(String(req.headers['authorization'] ?? ''))?.token ?? '';
      if (!this.tokens.delete(token)) return json(401, 'Unauthorized');
      this.sessions.delete(token);
      this.loggedOut.push(token);
      res.writeHead(204).end();
      return;
    }
    const apiKeyOk = parseEmbyAuthorization(String(req.headers['authorization'] ?? ''))?.token === this.apiKey;
    if (req.method === 'GET' && (route === '/web' || route === '/web/index.html')) return this.serveWebIndex(req, res);
    const webFile = req.method === 'GET' && route.startsWith('/web/') ? this.webFiles.get(route.slice(5)) : undefined;
    if (webFile !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(webFile);
      return;
    }
    if (req.method === 'GET' && route === '/users/me') {
      // A user's own call, with its access token in any of the places Jellyfin reads it.
      const token =
        parseEmbyAuthorization(String(req.headers['authorization'] ?? req.headers['x-emby-authorization'] ?? ''))?.token || String(req.headers['x-emby-token'] ?? '') || url.searchParams.get('api_key') || '';
      const session = this.sessions.get(token);
      const user = session ? this.users.find((u) => u.id === session.UserId) : undefined;
      if (!user) return json(401, 'Unauthorized');
      const dto: UserDto = { Name: user.name, Id: user.id, ServerId: this.serverId };
      return json(200, dto);
    }
    if (req.method === 'GET' && route === '/users') {
      if (!apiKeyOk) return json(401, 'Unauthorized');
      if (this.failUsers > 0) {
        this.failUsers--;
        return json(503, 'Service Unavailable');
      }
      const users: UserDto[] = this.users.map((u) => ({ Name: u.name, Id: u.id, ServerId: this.serverId, HasPassword: true, Policy: { IsDisabled: false, IsHidden: true, AuthenticationProviderId: 'x', PasswordResetProviderId: 'x' } }));
      return json(200, users);
    }
    if (req.method === 'GET' && route === '/library/virtualfolders') return apiKeyOk ? json(200, this.libraries) : json(401, 'Unauthorized');
    if (req.method === 'GET' && route === '/sessions') {
      if (this.holdSessions) await this.holdSessions;
      return apiKeyOk ? json(200, [...this.sessions.values()]) : json(401, 'Unauthorized');
    }
    const message = /^\/sessions\/([^/]+)\/message$/.exec(route);
    if (req.method === 'POST' && message) {
      if (!apiKeyOk) return json(401, 'Unauthorized');
      this.messages.push({ sessionId: message[1]!, message: JSON.parse(body.toString()) as MessageCommand });
      res.writeHead(204).end();
      return;
    }
    const stream = /^\/videos\/[^/]+\/stream$/.exec(route);
    if (req.method === 'GET' && stream) return this.serveMedia(req, res);
    if (req.method === 'GET' && route === '/items') {
      // An API-key call (Seerr, Sonarr…): answered only for the key.
      return url.searchParams.get('api_key') === 'service-api-key' || req.headers['x-emby-token'] === 'service-api-key' ? json(200, { Items: [], TotalRecordCount: 0 }) : json(401, 'Unauthorized');
    }
    json(404, 'Not found');
  }

  private serveWebIndex(req: http.IncomingMessage, res: http.ServerResponse): void {
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = this.web.encoding === 'auto' ? (['br', 'gzip', 'deflate'].find((e) => accepted.includes(e)) ?? 'identity') : this.web.encoding;
    const raw = Buffer.from(this.web.html, 'utf8');
    const body = encoding === 'gzip' ? zlib.gzipSync(raw) : encoding === 'br' ? zlib.brotliCompressSync(raw) : encoding === 'deflate' ? zlib.deflateSync(raw) : raw;
    const headers: http.OutgoingHttpHeaders = { 'content-type': this.web.contentType, etag: '"1d9abc0"', 'last-modified': 'Mon, 01 Sep 2025 10:00:00 GMT', vary: 'Accept-Encoding' };
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    if (this.web.csp) headers['content-security-policy'] = this.web.csp;
    if (!this.web.chunked) headers['content-length'] = body.length;
    res.writeHead(200, headers);
    // In two pieces, so a chunked answer really arrives in chunks.
    res.write(body.subarray(0, body.length >> 1));
    res.end(body.subarray(body.length >> 1));
  }

  private signIn(user: StandInUser, req: http.IncomingMessage): AuthenticationResult {
    const auth = parseEmbyAuthorization(String(req.headers['authorization'] ?? req.headers['x-emby-authorization'] ?? ''));
    const token = crypto.randomBytes(16).toString('hex');
    this.tokens.add(token);
    const dto: UserDto = { Name: user.name, ServerId: this.serverId, Id: user.id, HasPassword: true, HasConfiguredPassword: true, EnableAutoLogin: false };
    const session: SessionInfoDto = {
      Id: crypto.randomBytes(16).toString('hex'),
      UserId: user.id,
      UserName: user.name,
      Client: auth?.client ?? null,
      DeviceName: auth?.device ?? null,
      DeviceId: auth?.deviceId ?? null,
      ApplicationVersion: auth?.version ?? null,
      IsActive: true,
      ServerId: this.serverId,
      LastActivityDate: new Date().toISOString(),
    };
    const result: AuthenticationResult = { User: dto, SessionInfo: session, AccessToken: token, ServerId: this.serverId };
    this.issued.push(result);
    this.sessions.set(token, session);
    return result;
  }

  private serveMedia(req: http.IncomingMessage, res: http.ServerResponse): void {
    const size = this.media.length;
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (!range) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size, 'accept-ranges': 'bytes' });
      res.end(this.media);
      return;
    }
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(206, { 'content-type': 'video/mp4', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    // Written in 1 MiB pieces, like a file stream, so the proxy sees a real stream with back-pressure.
    let at = start;
    const pump = () => {
      while (at <= end) {
        const next = Math.min(at + 1024 * 1024, end + 1);
        const ok = res.write(this.media.subarray(at, next));
        at = next;
        if (!ok) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }
}
