// GET /api/v1/forward-auth (what a reverse proxy asks before every request) against a bare Fastify GET,
// in the same run: every server pinned to core 0, the load generator (autocannon) to core 1. The cases are
// measured in turns (bare, remembered, uncached; three rounds, after a warm-up) so that a busy machine
// slows them alike; the ratio is the median of the rounds' ratios.
// Cases: a signed-in member's session as remembered by the answer cache (what a proxy sees for every
// asset of a page), and the same with the cache off (every request reads the database).
// Usage: node tools/bench/forward-auth.mjs [seconds per run]
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { measuredRun, median, ownerAndServer, startBare, startService, writeResults } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = 5;
const pin = fs.existsSync('/usr/bin/taskset');
const HOST = 'media.bench.test';

/** A stand-in for Jellyfin's password check, so the bench can sign a member in the way a browser would. */
export async function fakeJellyfin() {
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
export async function forwardAuthService(env, jellyfin) {
  const svc = await startService({ LATCHKEY_TRUSTED_PROXIES: '127.0.0.1', ...env }, { cpu: 0 });
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

/** One run; also the server's CPU time per request (µs), next to the throughput. */
const run = (c, seconds) => measuredRun({ url: c.url, method: 'GET', headers: c.headers, pid: c.pid }, seconds);

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const jellyfin = await fakeJellyfin();
  const bare = await startBare();
  const cached = await forwardAuthService({}, jellyfin);
  const uncached = await forwardAuthService({ LATCHKEY_FORWARD_AUTH_CACHE_SECONDS: '0' }, jellyfin);
  const cases = [
    // The yardstick gets the very same request (path, cookie, X-Original-* and X-Forwarded-For headers).
    { label: 'bare Fastify GET (same request)', url: bare.url('/api/v1/forward-auth'), headers: cached.headers, pid: bare.pid },
    { label: 'forward-auth: signed-in session, remembered (cache 5 s)', url: cached.url, headers: cached.headers, pid: cached.svc.pid },
    { label: 'forward-auth: same, cache off (reads the database)', url: uncached.url, headers: uncached.headers, pid: uncached.svc.pid },
  ];
  const runs = cases.map(() => []);
  try {
    cases.forEach((c) => run(c, 2)); // warm-up
    for (let round = 0; round < ROUNDS; round++) cases.forEach((c, i) => runs[i].push(run(c, SECONDS)));
  } finally {
    bare.stop();
    await cached.svc.stop();
    await uncached.svc.stop();
    await jellyfin.close();
  }

  const rows = cases.map((c, i) => ({
    case: c.label,
    rps: Math.round(median(runs[i].map((r) => r.rps))),
    p50ms: median(runs[i].map((r) => r.p50)),
    p99ms: median(runs[i].map((r) => r.p99)),
    ratio: +median(runs[i].map((r, round) => r.rps / runs[0][round].rps)).toFixed(2),
    cpuUsPerReq: +median(runs[i].map((r) => r.cpuUs)).toFixed(1),
  }));
  console.log(`\nGET /api/v1/forward-auth vs bare Fastify (${pin ? 'servers on core 0, load on core 1' : 'no taskset: unpinned'}; ${ROUNDS} rounds × ${SECONDS} s in turns, 10 connections):\n`);
  console.table(rows);
  console.log(`Written to ${writeResults('forward-auth', rows)}`);
}
