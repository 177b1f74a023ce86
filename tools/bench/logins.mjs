// POST /api/v1/logins against a bare Fastify JSON endpoint, in the same run: the server pinned to core 0,
// the load generator (autocannon) to core 1, a warm-up, then the median of 3 runs per case.
// Usage: node tools/bench/logins.mjs [seconds per run]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort, load, median, ownerAndServer, startService, writeResults } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const pin = fs.existsSync('/usr/bin/taskset');

function measure(label, url, method, headers, body) {
  load(url, method, headers, body, 2); // warm-up
  const runs = [1, 2, 3].map(() => load(url, method, headers, body, SECONDS));
  for (const r of runs) if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { case: label, rps: Math.round(median(runs.map((r) => r.rps))), p50ms: median(runs.map((r) => r.p50)), p99ms: median(runs.map((r) => r.p99)) };
}

// The yardstick, on the same core as the service will be.
const barePort = await freePort();
const bare = spawn(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, 'tools/bench/bare-fastify.mjs', String(barePort)] : ['tools/bench/bare-fastify.mjs', String(barePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => bare.stdout.once('data', r));
const body = JSON.stringify({ member: { externalId: 'm-1' }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } });
const results = [measure('bare Fastify JSON endpoint', `http://127.0.0.1:${barePort}/json`, 'POST', { 'content-type': 'application/json' }, body)];
bare.kill();

const svc = await startService({}, { cpu: 0 });
try {
  const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
  await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: auth, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
  const login = (externalId) => JSON.stringify({ member: { externalId }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } });
  const url = `${svc.base.replace('localhost', '127.0.0.1')}/api/v1/logins`;

  results.push(measure('logins: no policy applies (allow)', url, 'POST', auth, login('m-1')));
  // A policy for everyone with a grace period: each answer mints a single-use enrolment link.
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 14, enabled: true }) });
  results.push(measure('logins: in grace (allow_in_grace + enrolment link)', url, 'POST', auth, login('m-1')));
} finally {
  await svc.stop();
}

const bareRps = results[0].rps;
const rows = results.map((r) => ({ ...r, ratio: +(r.rps / bareRps).toFixed(2) }));
console.log(`\nPOST /api/v1/logins vs bare Fastify (${pin ? 'server on core 0, load on core 1' : 'no taskset: unpinned'}; median of 3 × ${SECONDS} s, 10 connections):\n`);
console.table(rows);
console.log(`Written to ${writeResults('logins', rows)}`);
