import crypto from 'node:crypto';
import type http from 'node:http';
import zlib from 'node:zlib';

/** Where the gateway serves its script for Jellyfin's web client. */
export const WEB_CLIENT_SCRIPT_PATH = '/latchkey/web-client.js';
/** Where the script asks whether the member finished verifying (`/latchkey/verifications/{id}`). */
export const VERIFICATIONS_PATH = '/latchkey/verifications/';

/** Jellyfin's web client page: `/web/`, `/web/index.html` (any case, legacy prefixes), with or without a query. */
const WEB_INDEX = /^(?:\/(?:emby|mediabrowser))?\/web\/(?:index\.html)?$/i;

export function isWebIndexPath(rawUrl: string): boolean {
  return WEB_INDEX.test(rawUrl.split('?')[0] ?? '');
}

/** Pages larger than this (compressed or not) are passed through without the script. */
export const MAX_INJECTED_PAGE_BYTES = 2 * 1024 * 1024;

const TAG = `<script src="${WEB_CLIENT_SCRIPT_PATH}" defer></script>`;

export interface PageAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Adds the gateway's `<script src>` to Jellyfin's web client page. A same-origin external script, not
 * inline code, so a `script-src 'self'` Content-Security-Policy allows it. The body is decoded according to
 * `Content-Encoding` (gzip, deflate, br or none), the tag goes before `</head>` (else before `</body>`),
 * and the page is encoded again the same way with a new `Content-Length` and a derived `ETag`. Anything
 * else — not a 200, not HTML, an unknown encoding, no place for the tag, too large, undecodable — is
 * returned exactly as Jellyfin sent it.
 */
export function injectWebClientScript(answer: PageAnswer): PageAnswer {
  const { status, headers, body } = answer;
  const type = String(headers['content-type'] ?? '').toLowerCase();
  if (status !== 200 || !type.startsWith('text/html') || body.length > MAX_INJECTED_PAGE_BYTES) return answer;
  const encoding = String(headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const codec = CODECS[encoding];
  if (!codec) return answer;
  let html: string;
  try {
    html = codec.decode(body).toString('utf8');
  } catch {
    return answer;
  }
  if (html.includes(TAG)) return answer;
  const at = lastIndexOfTag(html, '</head') ?? lastIndexOfTag(html, '</body');
  if (at === null) return answer;
  const page = codec.encode(Buffer.from(html.slice(0, at) + TAG + html.slice(at), 'utf8'));
  const out: http.IncomingHttpHeaders = { ...headers, 'content-length': String(page.length) };
  delete out['transfer-encoding'];
  // A validator for the changed page: Jellyfin's ETag named the original bytes.
  if (headers.etag) out.etag = `W/"lk-${crypto.createHash('sha256').update(String(headers.etag)).update(TAG).digest('base64url').slice(0, 27)}"`;
  delete out['content-md5'];
  return { status, headers: out, body: page };
}

function lastIndexOfTag(html: string, tag: string): number | null {
  const i = html.toLowerCase().lastIndexOf(tag);
  return i < 0 ? null : i;
}

const LIMIT = { maxOutputLength: MAX_INJECTED_PAGE_BYTES };
const CODECS: Record<string, { decode(b: Buffer): Buffer; encode(b: Buffer): Buffer }> = {
  identity: { decode: (b) => b, encode: (b) => b },
  gzip: { decode: (b) => zlib.gunzipSync(b, LIMIT), encode: (b) => zlib.gzipSync(b) },
  'x-gzip': { decode: (b) => zlib.gunzipSync(b, LIMIT), encode: (b) => zlib.gzipSync(b) },
  deflate: { decode: (b) => zlib.inflateSync(b, LIMIT), encode: (b) => zlib.deflateSync(b) },
  br: { decode: (b) => zlib.brotliDecompressSync(b, LIMIT), encode: (b) => zlib.brotliCompressSync(b) },
};

/**
 * The script for Jellyfin's web client (plain ES2017, no build step). It wraps `fetch`, which
 * jellyfin-web's API client (jellyfin-apiclient) uses for sign-in. When a sign-in
 * answer is the gateway's `401 verification_required`, it keeps that sign-in request pending, shows a
 * panel with a button that opens the portal (`portalUrl`) in a new tab, asks the gateway whether the
 * member has verified (every few seconds, and at once when the tab is shown again), then sends the same
 * sign-in again and hands its answer to jellyfin-web: the member is signed in without typing the
 * password twice. The password never leaves the page's memory. `enrolment_required` and other refusals
 * show their message and link and let jellyfin-web show its error.
 */
export const WEB_CLIENT_SCRIPT = `(function () {
  'use strict';
  if (window.__latchkey) return;
  window.__latchkey = true;
  var AUTH = /\\/users\\/(authenticatebyname|authenticatewithquickconnect|[^/]+\\/authenticate)\\/?(\\?|$)/i;
  var originalFetch = window.fetch.bind(window);

  function urlOf(input) {
    return typeof input === 'string' ? input : input && input.url ? input.url : String(input);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function panel(message, linkUrl, linkText, closeText, note) {
    var old = document.getElementById('latchkey-panel');
    if (old) old.remove();
    var box = el('div', { id: 'latchkey-panel', role: 'alertdialog', 'aria-live': 'polite', style: 'position:fixed;left:0;right:0;top:1em;margin:0 auto;box-sizing:border-box;width:min(30em,calc(100vw - 2em));z-index:100000;padding:1em 1.2em;border-radius:.5em;background:#202020;color:#fff;box-shadow:0 4px 24px rgba(0,0,0,.6);font:16px/1.4 sans-serif' });
    box.appendChild(el('p', { style: 'margin:0 0 .8em' }, message));
    if (note) box.appendChild(el('p', { style: 'margin:0 0 .8em;color:#bbb;font-size:.9em' }, note));
    var row = el('div', { style: 'display:flex;flex-wrap:wrap;gap:.8em;align-items:center' });
    if (linkUrl) row.appendChild(el('a', { href: linkUrl, target: '_blank', rel: 'noopener', style: 'display:inline-block;padding:.5em 1em;border-radius:.3em;background:#00a4dc;color:#fff;text-decoration:none;font-weight:bold' }, linkText));
    var close = el('button', { type: 'button', style: 'padding:.5em 1em;background:transparent;color:#fff;border:1px solid #888;border-radius:.3em;font:inherit' }, closeText || 'Close');
    close.addEventListener('click', function () { box.remove(); });
    row.appendChild(close);
    box.appendChild(row);
    document.body.appendChild(box);
    return { box: box, close: close };
  }

  function waitForVerification(body) {
    return new Promise(function (resolve) {
      var ui = panel(
        body.explanation || 'The owner of this server asks you to confirm it is you.',
        body.portalUrl,
        'Verify it is you',
        'Cancel',
        'The check opens in a new tab. Come back to this one afterwards: you will be signed in.'
      );
      var timer = null;
      var finished = false;
      function finish(ok) {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        document.removeEventListener('visibilitychange', onVisible);
        ui.box.remove();
        resolve(ok);
      }
      function check() {
        clearTimeout(timer);
        originalFetch(body.statusUrl, { credentials: 'omit', cache: 'no-store' })
          .then(function (r) { return r.ok ? r.json() : { status: 'unknown' }; })
          .then(function (s) {
            if (s.status === 'completed') finish(true);
            else if (s.status === 'pending') timer = setTimeout(check, 3000);
            else finish(false);
          }, function () { timer = setTimeout(check, 5000); });
      }
      function onVisible() { if (document.visibilityState === 'visible') check(); }
      ui.close.addEventListener('click', function () { finish(false); });
      document.addEventListener('visibilitychange', onVisible);
      timer = setTimeout(check, 3000);
    });
  }

  window.fetch = function (input, init) {
    var url = urlOf(input);
    if (!AUTH.test(url)) return originalFetch(input, init);
    var again = input instanceof Request ? input.clone() : input;
    return originalFetch(input, init).then(function (res) {
      if (res.status !== 401) return res;
      return res.clone().json().then(function (body) {
        if (body && body.error === 'verification_required' && body.portalUrl && body.statusUrl) {
          return waitForVerification(body).then(function (ok) { return ok ? originalFetch(again, init) : res; });
        }
        if (body && body.enrolUrl) panel(body.message || 'The owner of this server requires two-step verification.', body.enrolUrl, 'Set it up');
        else if (body && body.message) panel(body.message);
        return res;
      }, function () { return res; });
    });
  };
})();
`;

export const WEB_CLIENT_SCRIPT_ETAG = `"${crypto.createHash('sha256').update(WEB_CLIENT_SCRIPT).digest('base64url').slice(0, 27)}"`;

/** Serves the script (cached by the browser, revalidated by ETag). */
export function serveWebClientScript(req: http.IncomingMessage, res: http.ServerResponse): void {
  const headers = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', etag: WEB_CLIENT_SCRIPT_ETAG, 'x-content-type-options': 'nosniff' };
  if (req.headers['if-none-match'] === WEB_CLIENT_SCRIPT_ETAG) {
    res.writeHead(304, headers).end();
    return;
  }
  const body = Buffer.from(WEB_CLIENT_SCRIPT, 'utf8');
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
