import vm from 'node:vm';
import zlib from 'node:zlib';
import { STAND_IN_INDEX_HTML } from './testing/jellyfin-stand-in';
import { injectWebClientScript, isWebIndexPath, MAX_INJECTED_PAGE_BYTES, WEB_CLIENT_SCRIPT, WEB_CLIENT_SCRIPT_PATH, type PageAnswer } from './web-client';

const TAG = `<script src="${WEB_CLIENT_SCRIPT_PATH}" defer></script>`;
const html = (headers: PageAnswer['headers'], body: Buffer, status = 200): PageAnswer => ({ status, headers: { 'content-type': 'text/html; charset=utf-8', etag: '"abc"', ...headers }, body });

describe('web client script injection into /web/index.html', () => {
  const raw = Buffer.from(STAND_IN_INDEX_HTML);

  it.each([
    ['identity', (b: Buffer) => b, (b: Buffer) => b],
    ['gzip', zlib.gzipSync, zlib.gunzipSync],
    ['br', zlib.brotliCompressSync, zlib.brotliDecompressSync],
    ['deflate', zlib.deflateSync, zlib.inflateSync],
  ] as const)('%s: decoded, the tag put before </head>, encoded again with a new length and ETag', (encoding, encode, decode) => {
    const headers = encoding === 'identity' ? {} : { 'content-encoding': encoding };
    const out = injectWebClientScript(html({ ...headers, 'content-length': '999' }, encode(raw)));
    const page = decode(out.body).toString();
    expect(page).toBe(STAND_IN_INDEX_HTML.replace('</head>', `${TAG}</head>`));
    expect(out.headers['content-encoding']).toBe(encoding === 'identity' ? undefined : encoding);
    expect(out.headers['content-length']).toBe(String(out.body.length));
    expect(out.headers.etag).toMatch(/^W\/"lk-/);
    expect(out.headers.etag).not.toBe('"abc"');
  });

  it('a chunked answer gets a Content-Length and loses Transfer-Encoding', () => {
    const out = injectWebClientScript(html({ 'transfer-encoding': 'chunked' }, raw));
    expect(out.headers['transfer-encoding']).toBeUndefined();
    expect(out.headers['content-length']).toBe(String(out.body.length));
    expect(out.body.toString()).toContain(TAG);
  });

  it('without </head>, the tag goes before </body>; the last one, any case', () => {
    const out = injectWebClientScript(html({}, Buffer.from('<html><body><p>x</p></BODY></html>')));
    expect(out.body.toString()).toBe(`<html><body><p>x</p>${TAG}</BODY></html>`);
  });

  it.each([
    ['not HTML', html({ 'content-type': 'application/json' }, Buffer.from('{"a":"</head>"}'))],
    ['no </head> nor </body>', html({}, Buffer.from('<p>fragment</p>'))],
    ['not a 200', html({}, raw, 404)],
    ['an unknown encoding', html({ 'content-encoding': 'zstd' }, raw)],
    ['a body that does not decode', html({ 'content-encoding': 'gzip' }, Buffer.from('not gzip'))],
    ['too large', html({}, Buffer.concat([raw, Buffer.alloc(MAX_INJECTED_PAGE_BYTES)]))],
    ['a gzip bomb (decodes past the cap)', html({ 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.concat([Buffer.from('<head></head>'), Buffer.alloc(MAX_INJECTED_PAGE_BYTES + 1)])))],
    ['already injected', html({}, Buffer.from(`<head>${TAG}</head>`))],
  ])('passes %s through untouched', (_what, answer) => {
    expect(injectWebClientScript(answer)).toBe(answer);
  });

  it.each([
    ['/web/index.html', true],
    ['/web/', true],
    ['/WEB/Index.HTML?x=1', true],
    ['/emby/web/index.html', true],
    ['/web/main.jellyfin.bundle.js', false],
    ['/web', false],
    ['/webindex.html', false],
  ])('%s is the web client page: %s', (url, expected) => {
    expect(isWebIndexPath(url)).toBe(expected);
  });
});

/** Just enough DOM for the script: elements that can be appended, clicked and removed. */
class FakeElement {
  children: FakeElement[] = [];
  attributes: Record<string, string> = {};
  textContent = '';
  parent: FakeElement | null = null;
  private listeners: Record<string, Array<() => void>> = {};
  constructor(readonly tag: string) {}
  setAttribute(k: string, v: string): void {
    this.attributes[k] = v;
  }
  appendChild(c: FakeElement): void {
    c.parent = this;
    this.children.push(c);
  }
  remove(): void {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
    this.parent = null;
  }
  addEventListener(type: string, fn: () => void): void {
    (this.listeners[type] ??= []).push(fn);
  }
  click(): void {
    for (const fn of this.listeners['click'] ?? []) fn();
  }
  find(tag: string): FakeElement | undefined {
    for (const c of this.children) {
      if (c.tag === tag) return c;
      const deeper = c.find(tag);
      if (deeper) return deeper;
    }
    return undefined;
  }
}

function browser(answers: (url: string) => Response) {
  const body = new FakeElement('body');
  const timers: Array<() => void> = [];
  const calls: string[] = [];
  const document = {
    body,
    visibilityState: 'visible',
    createElement: (tag: string) => new FakeElement(tag),
    getElementById: (id: string) => body.children.find((c) => c.attributes['id'] === id) ?? null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  };
  const window: Record<string, unknown> = {
    fetch: (input: string) => {
      calls.push(input);
      return Promise.resolve(answers(input));
    },
  };
  vm.runInNewContext(WEB_CLIENT_SCRIPT, { window, document, Request, setTimeout: (fn: () => void) => timers.push(fn), clearTimeout: () => undefined });
  const fetch = window['fetch'] as (input: string, init?: RequestInit) => Promise<Response>;
  const tick = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  const fireTimers = async () => {
    timers.splice(0).forEach((fn) => fn());
    await tick();
  };
  return { body, calls, fetch, tick, fireTimers };
}

const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

describe('the web client script', () => {
  const refusal = { error: 'verification_required', message: 'Confirm it is you.', portalUrl: 'https://mfa.example/verify#link=x', statusUrl: '/latchkey/verifications/v1' };

  it('holds a sign-in the gateway refused for verification, sends the member to the portal, and completes it once verified', async () => {
    let signIns = 0;
    let polls = 0;
    const b = browser((url) => {
      if (url.includes('AuthenticateByName')) return ++signIns === 1 ? json(401, refusal) : json(200, { AccessToken: 'tok' });
      return json(200, { status: ++polls < 2 ? 'pending' : 'completed' });
    });
    let settled: Response | undefined;
    void b.fetch('/Users/AuthenticateByName', { method: 'POST', body: '{"Username":"alice","Pw":"pw"}' }).then((r) => (settled = r));
    await b.tick();
    expect(settled).toBeUndefined();
    const link = b.body.find('a');
    expect(link?.attributes).toMatchObject({ href: refusal.portalUrl, target: '_blank', rel: 'noopener' });
    await b.fireTimers(); // pending
    expect(settled).toBeUndefined();
    await b.fireTimers(); // completed → the same sign-in again
    expect(settled?.status).toBe(200);
    expect(await settled?.json()).toEqual({ AccessToken: 'tok' });
    expect(b.calls).toEqual(['/Users/AuthenticateByName', '/latchkey/verifications/v1', '/latchkey/verifications/v1', '/Users/AuthenticateByName']);
    expect(b.body.children).toEqual([]);
  });

  it('Cancel gives jellyfin-web the original refusal; other requests are not touched', async () => {
    const b = browser((url) => (url.includes('AuthenticateByName') ? json(401, refusal) : json(200, { Items: [] })));
    expect((await b.fetch('/Items')).status).toBe(200);
    let settled: Response | undefined;
    void b.fetch('/Users/AuthenticateByName').then((r) => (settled = r));
    await b.tick();
    b.body.find('button')?.click();
    await b.tick();
    expect(settled?.status).toBe(401);
    expect(b.calls).toEqual(['/Items', '/Users/AuthenticateByName']);
  });

  it('an enrolment refusal shows its link and lets jellyfin-web show its error', async () => {
    const b = browser(() => json(401, { error: 'enrolment_required', message: 'Set up MFA first.', enrolUrl: 'https://mfa.example/enrol#link=y' }));
    expect((await b.fetch('/Users/AuthenticateByName')).status).toBe(401);
    expect(b.body.find('a')?.attributes['href']).toBe('https://mfa.example/enrol#link=y');
  });
});
