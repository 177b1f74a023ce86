// POST /api/v1/logins against a bare Fastify JSON endpoint, in the same run: both servers pinned to core 0,
// the load generator (autocannon) to core 1, a warm-up, then 3 pairs of runs (bare, then ours) per case.
// Usage: node tools/bench/logins.mjs [seconds per run]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerAndServer, pairedCase, rememberedDevices, startBare, startService, writeResults } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const pin = fs.existsSync('/usr/bin/taskset');

// The yardstick runs beside the service, on the same core, and is measured right before each run of each
// case, sent exactly the same requests (path, headers, body): on a busy machine both see the same
// conditions, each ratio compares neighbouring runs, and it compares server work, not request size.
const bare = await startBare();
const results = [];

function measure(label, url, method, headers, body, pool, pid) {
  results.push(pairedCase(label, bare, { url, method, headers, body, pid, opts: pool ? { pool } : {} }, SECONDS));
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
  bare.stop();
}

const rows = results;
console.log(`\nPOST /api/v1/logins vs bare Fastify (${pin ? 'servers on core 0, load on core 1' : 'no taskset: unpinned'}; each run paired with a bare run just before it, fed the same requests; median of 3 pairs × ${SECONDS} s, 10 connections):\n`);
console.table(rows);
console.log(`Written to ${writeResults('logins', rows)}`);
