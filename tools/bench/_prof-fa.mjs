// GET /api/v1/forward-auth (what a reverse proxy asks before every request) against a bare Fastify GET,
// in the same run: every server pinned to core 0, the load generator (autocannon) to core 1. The cases are
// measured in turns (bare, remembered, uncached; three rounds, after a warm-up) so that a busy machine
// slows them alike; the ratio is the median of the rounds' ratios.
// Cases: a signed-in member's session as remembered by the answer cache (what a proxy sees for every
// asset of a page), and the same with the cache off (every request reads the database).
// Usage: node tools/bench/forward-auth.mjs [seconds per run]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { freePort, load, median, ownerAndServer, startService, writeResults } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = 5;
const pin = fs.existsSync('/usr/bin/taskset');
const HOST = 'media.bench.test';

/** A stand-in for Jellyfin's password check, so the bench can sign a member in the way a browser would. */
async function fakeJellyfin() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/Users/AuthenticateByName') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ User: { Id: 'm-1', Name: 'user1' } }));
      }
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Starts Latchkey, protects HOST, signs a member in, and returns the forward-auth request to replay. */
async function latchkey(env, jellyfin) {
  const svc = await startService({ LATCHKEY_TRUSTED_PROXIES: '127.0.0.1', ...env }, { cpu: 0, nodeArgs: ['--cpu-prof','--cpu-prof-dir=/tmp/exp/prof-fa'] });
  const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  const { items } = await (await fetch(`${svc.base}/api/v1/servers`, { headers: admin })).json();
  await fetch(`${svc.base}/api/v1/servers/${items[0].id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ baseUrl: jellyfin.url, forwardAuthHosts: [HOST] }) });
  const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
  await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
  // A policy applies (grace period), so every answer runs the whole decision.
  await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 14, enabled: true }) });
  const rd = `https://${HOST}/web/index.html`;
  const started = await fetch(`${svc.base}/api/v1/forward-auth/sign-in/password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rd, username: 'user1', password: 'x' }) });
  const pages = { 'content-type': 'application/json', cookie: started.headers.get('set-cookie').split(';')[0], 'x-csrf-token': (await started.json()).csrfToken };
  const done = await fetch(`${svc.base}/api/v1/forward-auth/sign-in/complete`, { method: 'POST', headers: pages, body: JSON.stringify({ rd }) });
  const headers = { cookie: done.headers.get('set-cookie').split(';')[0], 'x-original-url': `https://${HOST}/Items/abc/Images/Primary?fillHeight=300`, 'x-original-method': 'GET', 'x-forwarded-for': '203.0.113.7' };
  const check = await fetch(`${svc.base}/api/v1/forward-auth`, { headers });
  if (check.status !== 200 || check.headers.get('remote-user') !== 'user1') throw new Error(`forward-auth answered ${check.status}`);
  return { svc, url: `${svc.base}/api/v1/forward-auth`, headers };
}

function run(label, url, headers, seconds) {
  const r = load(url, 'GET', headers, '', seconds);
  if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

const jellyfin = await fakeJellyfin();
const cached = await latchkey({}, jellyfin);
try { run('x', cached.url, cached.headers, 2); for (let i=0;i<2;i++) console.log(JSON.stringify(run('x', cached.url, cached.headers, 4))); } finally { await cached.svc.stop(); await jellyfin.close(); }
