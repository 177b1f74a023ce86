import { WebOrigin, checkReturnUrl, originOf } from './return-url';

/** The media server's own origins: its base URL and a public web origin registered beside it. */
const ORIGINS = ['http://jellyfin.lan:8096', 'https://media.example.com'];

describe('open redirect: a return URL must lead back to the media server, nowhere else', () => {
  it.each([
    ['the web client at the base URL', 'http://jellyfin.lan:8096/web/index.html#!/home.html', 'http://jellyfin.lan:8096/web/index.html#!/home.html'],
    ['the public web origin with a query', 'https://media.example.com/web/?x=1', 'https://media.example.com/web/?x=1'],
    ['the origin alone', 'https://media.example.com', 'https://media.example.com/'],
    ['an explicit default port', 'https://media.example.com:443/web/', 'https://media.example.com/web/'],
    ['upper-case scheme and host', 'HTTPS://MEDIA.EXAMPLE.COM/web/', 'https://media.example.com/web/'],
    ['a percent-encoded path', 'https://media.example.com/web/%C3%A9t%C3%A9', 'https://media.example.com/web/%C3%A9t%C3%A9'],
  ])('allows %s', (_what, url, normalised) => {
    expect(checkReturnUrl(url, ORIGINS)).toEqual({ ok: true, url: normalised });
  });

  it.each([
    ['another site', 'https://evil.example/web/'],
    ['a look-alike subdomain', 'https://media.example.com.evil.example/'],
    ['the allowed host as a path on another site', 'https://evil.example/media.example.com'],
    ['the allowed host as a path on another site, with a dot', 'https://evil.example/.media.example.com/'],
    ['the allowed host as user info (credentials)', 'https://media.example.com@evil.example/'],
    ['credentials for the allowed host', 'https://user:pass@media.example.com/web/'],
    ['an empty user info', 'https://@media.example.com/'],
    ['encoded @ in user info', 'https://media.example.com%40evil.example/'],
    ['a fragment hiding the real host', 'https://evil.example#@media.example.com/'],
    ['a query hiding the real host', 'https://evil.example?@media.example.com/'],
    ['the right host on the wrong scheme', 'http://media.example.com/web/'],
    ['the right host on another port', 'https://media.example.com:8443/web/'],
    ['scheme-relative', '//evil.example/'],
    ['scheme-relative with backslashes', '\\\\evil.example\\'],
    ['a backslash that browsers read as a slash', 'https://media.example.com\\@evil.example/'],
    ['a backslash after the scheme', 'https:\\\\evil.example/'],
    ['three slashes', 'https:///evil.example/'],
    ['no slashes', 'https:evil.example/'],
    ['one slash', 'https:/evil.example/'],
    ['a relative path', '/web/index.html'],
    ['javascript:', 'javascript:alert(document.domain)'],
    ['JavaScript: with a comment trick', 'javascript://media.example.com/%0aalert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['vbscript:', 'vbscript:msgbox(1)'],
    ['file:', 'file:///etc/passwd'],
    ['ftp:', 'ftp://media.example.com/'],
    ['a tab inside the scheme (parsers drop it)', 'jav\tascript:alert(1)'],
    ['a newline inside the host (parsers drop it)', 'https://evil\n.example/'],
    ['a leading space', ' https://media.example.com/'],
    ['a NUL byte', 'https://media.example.com\u0000.evil.example/'],
    ['a Cyrillic look-alike host (IDN homograph)', 'https://mеdia.example.com/'],
    ['a full-width dot in the host', 'https://media\uff0eexample.com/'],
    ['a right-to-left override', 'https://media.example.com/\u202egnp.exe'],
    ['punycode of a look-alike host', 'https://xn--mdia-m0d.example.com/'],
    ['a numeric IP for another host', 'http://2130706433/'],
    ['an empty string', ''],
    ['too long', `https://media.example.com/${'a'.repeat(2100)}`],
    ['short enough, but too long once the parser percent-encodes it', `https://media.example.com/${'{'.repeat(1000)}`],
  ])('refuses %s', (_what, url) => {
    expect(checkReturnUrl(url, ORIGINS).ok).toBe(false);
  });

  it('refuses everything when the server registered no origin', () => {
    expect(checkReturnUrl('https://media.example.com/', []).ok).toBe(false);
  });
});

describe('WebOrigin', () => {
  it('accepts an origin, which originOf normalises', () => {
    for (const [v, origin] of [
      ['HTTPS://Media.Example.com/', 'https://media.example.com'],
      ['http://jellyfin.lan:8096', 'http://jellyfin.lan:8096'],
      ['https://media.example.com:443', 'https://media.example.com'],
    ]) {
      expect(originOf(WebOrigin.parse(v))).toBe(origin);
    }
  });

  it.each(['https://media.example.com/web', 'https://user@media.example.com', 'javascript:alert(1)', '//media.example.com', 'https://mеdia.example.com', 'https://media.example.com?x'])(
    'refuses %s',
    (v) => {
      expect(WebOrigin.safeParse(v).success).toBe(false);
    },
  );
});
