import { lookup } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { AllowList, checkTarget, normaliseHost } from './address-policy';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Turns a host name into addresses. Injectable: tests answer with the addresses they need. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where to open a connection: always a vetted IP address, never a name. */
export interface ConnectTarget {
  /** The vetted IP address to connect to (the connection layer must not resolve anything). */
  address: string;
  family: 4 | 6;
  port: number;
  tls: boolean;
  /** The URL's host name, for TLS SNI and certificate checks; empty for IP literals. */
  servername: string;
}

/** Opens the connection. Injectable: tests replace it with a spy to prove nothing was opened. */
export type Connector = (target: ConnectTarget) => Duplex;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export const systemConnector: Connector = (t) =>
  t.tls
    ? tls.connect({ host: t.address, port: t.port, servername: t.servername || undefined, ALPNProtocols: ['http/1.1'] })
    : net.connect({ host: t.address, port: t.port, family: t.family });

export interface OutboundOptions {
  allow: AllowList;
  resolver?: Resolver;
  connector?: Connector;
  /** Whole-request deadline per hop (connect, send, response), in ms. */
  timeoutMs?: number;
  /** Response bodies are read up to this many bytes; the rest is discarded. */
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Up to `maxResponseBytes` of the body, as UTF-8 text. */
  body: string;
  truncated: boolean;
  /** The URL that answered, after redirects. */
  url: string;
}

/** The target may not be contacted (loopback, private, link-local, …): nothing was sent. */
export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

/** The request was attempted and did not get an answer (DNS, connection, TLS, timeout, protocol). */
export class OutboundFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundFailed';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: dropped when a redirect leaves the original origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-gotify-key'];

/**
 * HTTP(S) requests to addresses typed by an owner, refusing loopback, private, link-local and other
 * local targets (unless allow-listed) before any connection is opened: the host is resolved here, every
 * address it resolves to is checked, and the connection goes to the checked address (pinned: the
 * connection layer gets an IP, never a name, so a second DNS answer cannot differ). Each redirect hop is
 * checked the same way. SNI, certificate checks and the Host header keep the URL's host name.
 */
export class OutboundHttp {
  private readonly resolver: Resolver;
  private readonly connector: Connector;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxRedirects: number;

  constructor(private readonly opts: OutboundOptions) {
    this.resolver = opts.resolver ?? systemResolver;
    this.connector = opts.connector ?? systemConnector;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024;
    this.maxRedirects = opts.maxRedirects ?? 3;
  }

  /** Checks a URL's target without sending anything (for early feedback when a channel is saved). */
  async vet(url: string): Promise<void> {
    await this.pin(parseUrl(url));
  }

  async request(url: string, req: OutboundRequest): Promise<OutboundResponse> {
    let current = parseUrl(url);
    let method = req.method;
    let body = req.body;
    let headers = { ...(req.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      const target = await this.pin(current);
      const res = await this.once(current, target, method, headers, body);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || typeof location !== 'string') return res;
      if (hop >= this.maxRedirects) throw new OutboundFailed(`more than ${this.maxRedirects} redirects`);
      let next: URL;
      try {
        next = parseUrl(new URL(location, current).toString());
      } catch (e) {
        throw new OutboundFailed(`redirect to an unusable location: ${(e as Error).message}`);
      }
      // As browsers do: 303 (and 301/302 after a POST) continue as a GET without the body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length']);
      }
      if (next.origin !== current.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
      current = next;
    }
  }

  /** Resolves the URL's host and checks every address; returns the one to connect to. */
  private async pin(url: URL): Promise<ConnectTarget> {
    const host = normaliseHost(url.hostname);
    const literal = net.isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await this.resolver(host);
      } catch (e) {
        throw new OutboundFailed(`could not resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (addresses.length === 0) throw new OutboundFailed(`${host} has no addresses`);
    }
    // Every answer must pass, not just the first: a mixed answer is how rebinding attacks start.
    for (const a of addresses) {
      const refused = checkTarget(host, a.address, this.opts.allow);
      if (refused) throw new OutboundRefused(refused);
    }
    const first = addresses[0] as ResolvedAddress;
    const tlsOn = url.protocol === 'https:';
    return { address: first.address, family: first.family, port: Number(url.port) || (tlsOn ? 443 : 80), tls: tlsOn, servername: literal ? '' : host };
  }

  private once(url: URL, target: ConnectTarget, method: string, headers: Record<string, string>, body: string | undefined): Promise<OutboundResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
      const req = http.request({
        method,
        path: `${url.pathname}${url.search}`,
        headers: {
          ...headers,
          host: url.host,
          connection: 'close',
          ...(payload ? { 'content-length': String(payload.length) } : {}),
        },
        setHost: false,
        createConnection: () => this.connector(target),
      });
      const timer = setTimeout(() => req.destroy(new OutboundFailed(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      let settled = false;
      const fail = (e: Error) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(e instanceof OutboundFailed || e instanceof OutboundRefused ? e : new OutboundFailed(describeError(e)));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () => {
          clearTimeout(timer);
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncated, url: url.toString() });
        };
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = this.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            truncated = true;
            // Enough read: stop the transfer rather than download whatever the other side sends.
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', finish);
        res.on('error', fail);
      });
      req.end(payload);
    });
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OutboundRefused('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`${url.protocol} URLs are not allowed`);
  if (url.username || url.password) throw new OutboundRefused('URLs with credentials are not allowed');
  return url;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

function describeError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ? `${code}: ${e.message}`.slice(0, 300) : e.message.slice(0, 300);
}
