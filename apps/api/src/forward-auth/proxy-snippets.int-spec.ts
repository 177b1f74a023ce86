import fs from 'node:fs';
import path from 'node:path';
import { FakeJellyfin, startFakeJellyfin } from '../testing/fake-jellyfin';
import { credentialsFrom, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';

/** A fenced code block from a guide in docs/ (the one after `<!-- snippet:NAME -->`). */
function snippet(file: string, name: string): string {
  const text = fs.readFileSync(path.resolve(__dirname, '../../../../docs', file), 'utf8');
  const m = new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  if (!m?.[1]) throw new Error(`docs/${file} has no snippet ${name}`);
  return m[1];
}

const PROXY = '10.0.0.5';

/**
 * The Traefik and Caddy configurations in docs/ work as written: Latchkey is asked at the address they name,
 * with the headers those proxies send, and its answers carry every header they copy to the media server.
 * (nginx and Caddy also run for real in tools/e2e/src/forward-auth-nginx.e2e-spec.ts and
 * forward-auth-caddy.e2e-spec.ts; Traefik, not packaged in Debian, is only checked here.)
 */
describe.each([
  {
    proxy: 'Traefik',
    text: snippet('traefik.md', 'traefik'),
    target: (s: string) => new URL(/address: "([^"]+)"/.exec(s)![1]!),
    host: (s: string) => /Host\(`([^`]+)`\)/.exec(s)![1]!,
    copied: (s: string) => [...s.matchAll(/^\s+- (Remote-[\w-]+)$/gm)].map((m) => m[1]!),
  },
  {
    proxy: 'Caddy',
    text: snippet('caddy.md', 'caddy'),
    target: (s: string) => new URL(/^\s*uri (\S+)$/m.exec(s)![1]!, 'http://localhost:8080'),
    host: (s: string) => /^(\S+) \{$/m.exec(s)![1]!,
    copied: (s: string) => /copy_headers (.+)$/m.exec(s)![1]!.trim().split(/\s+/),
  },
])('the $proxy snippet in docs/', ({ text, target, host, copied }) => {
  let t: TestApp;
  let jellyfin: FakeJellyfin;
  const url = target(text);
  const site = host(text);
  const ask = (headers: Record<string, string>) =>
    t.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: `${url.pathname}${url.search}`, remoteAddress: PROXY, headers });
  // What Traefik's ForwardAuth and Caddy's forward_auth send with each question.
  const forwarded = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': site, 'x-forwarded-uri': '/web/index.html?x=1', 'x-forwarded-for': '198.51.100.7' };

  beforeAll(async () => {
    jellyfin = await startFakeJellyfin([{ id: 'u-1', name: 'alice', password: 'pw' }]);
    t = await startTestApp({ LATCHKEY_TRUSTED_PROXIES: PROXY, LATCHKEY_PUBLIC_URL: 'https://mfa.example.com' });
    const admin = await setupOwner(t);
    const server = await registerServer(t, admin);
    await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, admin, body: { baseUrl: jellyfin.baseUrl, forwardAuthHosts: [site] } });
    await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: server.apiKey, body: { members: [{ externalId: 'u-1', username: 'alice' }] } });
  });
  afterAll(async () => {
    await t?.close();
    await jellyfin?.close();
  });

  it('asks Latchkey in redirect mode: no session → 302 to the sign-in page for the real page', async () => {
    expect(url.pathname).toBe('/api/v1/forward-auth');
    const res = await ask(forwarded);
    expect(res.statusCode).toBe(302);
    expect(res.headers['location']).toBe(`https://mfa.example.com/sign-in?rd=${encodeURIComponent(`https://${site}/web/index.html?x=1`)}`);
  });

  it('a signed-in member gets 200 and every header the proxy copies', async () => {
    const rd = `https://${site}/web/index.html`;
    const started = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/password', body: { rd, username: 'alice', password: 'pw' } });
    const done = await t.request({ method: 'POST', url: '/api/v1/forward-auth/sign-in/complete', admin: credentialsFrom(started), body: { rd } });
    const cookie = done.cookies.find((c) => c.name === '__Secure-latchkey_proxy')!;
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
    const res = await ask({ ...forwarded, cookie: `${cookie.name}=${cookie.value}` });
    expect(res.statusCode).toBe(200);
    expect(copied(text).length).toBeGreaterThanOrEqual(4);
    for (const name of copied(text)) expect({ name, present: name.toLowerCase() in res.headers }).toEqual({ name, present: true });
    expect(res.headers['remote-user']).toBe('alice');
  });
});
