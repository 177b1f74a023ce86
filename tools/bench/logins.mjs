// POST /api/v1/logins against a bare Fastify JSON endpoint, in the same run: both servers pinned to core 0,
// the load generator (autocannon) to core 1, a warm-up, then 3 pairs of runs (bare, then ours) per case.
// Usage: node tools/bench/logins.mjs [seconds per run]
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuMs, freePort, ownerAndServer, rememberedDevices, startService, writeResults } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const pin = fs.existsSync('/usr/bin/taskset');

function load(url, method, headers, body, seconds, pool) {
  const args = ['tools/bench/load.mjs', url, method, JSON.stringify(headers), body ?? '', String(seconds), '10', ...(pool ? [pool] : [])];
  const out = execFileSync(pin ? 'taskset' : process.execPath, pin ? ['-c', '1', process.execPath, ...args] : args, { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** One run; with `pid`, also the server's CPU time per request (µs), which a busy machine does not inflate. */
function run(url, method, headers, body, seconds, pool, pid) {
  const before = pid ? cpuMs(pid) : 0;
  const r = load(url, method, headers, body, seconds, pool);
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  if (pid) r.cpuUs = ((cpuMs(pid) - before) * 1000) / (r.rps * seconds);
  return r;
}

// The yardstick runs beside the service, on the same core, and is measured right before each run of each
// case: on a busy machine both see the same conditions, and each ratio compares neighbouring runs.
const barePort = await freePort();
const bare = spawn(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, 'tools/bench/bare-fastify.mjs', String(barePort)] : ['tools/bench/bare-fastify.mjs', String(barePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => bare.stdout.once('data', r));
const bareUrl = `http://127.0.0.1:${barePort}/json`;
const bareBody = JSON.stringify({ member: { externalId: 'm-1' }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } });
const results = [];

function measure(label, url, method, headers, body, pool, pid) {
  run(bareUrl, 'POST', { 'content-type': 'application/json' }, bareBody, 2); // warm-up
  run(url, method, headers, body, 2, pool);
  const pairs = [1, 2, 3].map(() => ({ bare: run(bareUrl, 'POST', { 'content-type': 'application/json' }, bareBody, SECONDS, null, bare.pid), ours: run(url, method, headers, body, SECONDS, pool, pid) }));
  results.push({
    case: label,
    rps: Math.round(median(pairs.map((p) => p.ours.rps))),
    bareRps: Math.round(median(pairs.map((p) => p.bare.rps))),
    ratio: +median(pairs.map((p) => p.ours.rps / p.bare.rps)).toFixed(2),
    cpuUsPerReq: +median(pairs.map((p) => p.ours.cpuUs)).toFixed(1),
    bareCpuUsPerReq: +median(pairs.map((p) => p.bare.cpuUs)).toFixed(1),
    cpuRatio: +median(pairs.map((p) => p.bare.cpuUs / p.ours.cpuUs)).toFixed(2),
    p50ms: median(pairs.map((p) => p.ours.p50)),
    p99ms: median(pairs.map((p) => p.ours.p99)),
  });
}

const svc = await startService({}, { cpu: 0 });
try {
  const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
  await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: auth, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
  const login = (externalId) => JSON.stringify({ member: { externalId }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } });
  const url = `${svc.base.replace('localhost', '127.0.0.1')}/api/v1/logins`;

  measure('logins: no policy applies (allow)', url, 'POST', auth, login('m-1'), null, svc.pid);
  // A policy for everyone with a grace period: each answer mints a single-use enrolment link.
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  const policy = await (await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 14, enabled: true }) })).json();
  measure('logins: in grace (allow_in_grace + enrolment link)', url, 'POST', auth, login('m-1'), null, svc.pid);
  // The everyday case: a member with MFA on a remembered device (token checked, rotated, decision logged).
  await fetch(`${svc.base}/api/v1/policies/${policy.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ gracePeriodDays: 0 }) });
  const pool = path.join(os.tmpdir(), `lk-bench-devices-${process.pid}.json`);
  fs.writeFileSync(pool, JSON.stringify([...(await rememberedDevices(svc, apiKey, 'm-2', 10)), ...(await rememberedDevices(svc, apiKey, 'm-3', 10))]));
  measure('logins: remembered device (allow, token rotated)', url, 'POST', auth, '', pool, svc.pid);
  fs.rmSync(pool, { force: true });
} finally {
  await svc.stop();
  bare.kill();
}

const rows = results;
console.log(`\nPOST /api/v1/logins vs bare Fastify (${pin ? 'servers on core 0, load on core 1' : 'no taskset: unpinned'}; each run paired with a bare run just before it; median of 3 pairs × ${SECONDS} s, 10 connections):\n`);
console.table(rows);
console.log(`Written to ${writeResults('logins', rows)}`);
