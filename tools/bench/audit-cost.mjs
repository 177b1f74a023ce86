// The cost of audit writing on POST /api/v1/logins: every case on the built service, and on a second one
// whose login-path audit writer is a no-op (tools/bench/no-audit.cjs), runs interleaved, server pinned to
// core 0 and the load generator to core 1; also against a bare Fastify JSON endpoint.
// Usage: node tools/bench/audit-cost.mjs [seconds per run]
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, ownerAndServer, startService, writeResults } from './lib.mjs';

const args = process.argv.slice(2);
const AUDIT_COST = true;
const SECONDS = Number(args.find((a) => !a.startsWith('--')) ?? 5);
const pin = fs.existsSync('/usr/bin/taskset');

function load(url, method, headers, body, seconds) {
  const args = ['tools/bench/load.mjs', url, method, JSON.stringify(headers), body ?? '', String(seconds), '10'];
  const out = execFileSync(pin ? 'taskset' : process.execPath, pin ? ['-c', '1', process.execPath, ...args] : args, { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); null elsewhere. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** One load run; with a pid, also the service's CPU time per request (steadier than req/s on a busy machine). */
function loadRun(t, seconds) {
  const before = t.pid ? cpuMs(t.pid) : null;
  const r = load(t.url, 'POST', t.headers, t.body, seconds);
  const after = t.pid ? cpuMs(t.pid) : null;
  return { ...r, cpuUsPerReq: before !== null && after !== null && r.requests ? ((after - before) * 1000) / r.requests : null };
}

function summarise(label, runs) {
  for (const r of runs) if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const cpu = runs.map((r) => r.cpuUsPerReq).filter((x) => x !== null && x !== undefined);
  return { case: label, rps: Math.round(median(runs.map((r) => r.rps))), p50ms: median(runs.map((r) => r.p50)), p99ms: median(runs.map((r) => r.p99)), ...(cpu.length ? { cpuUsPerReq: Math.round(median(cpu)) } : {}) };
}

function measure(label, url, method, headers, body) {
  load(url, method, headers, body, 2); // warm-up
  return summarise(label, [1, 2, 3].map(() => load(url, method, headers, body, SECONDS)));
}

/** Several targets measured in turn, run after run, so drift in the machine's load hits them alike. */
function measureInterleaved(targets) {
  for (const t of targets) loadRun(t, 2); // warm-up
  const runs = targets.map(() => []);
  for (let i = 0; i < 3; i++) targets.forEach((t, k) => runs[k].push(loadRun(t, SECONDS)));
  return targets.map((t, k) => summarise(t.label, runs[k]));
}

// The yardstick, on the same core as the service will be.
const barePort = await freePort();
const bare = spawn(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, 'tools/bench/bare-fastify.mjs', String(barePort)] : ['tools/bench/bare-fastify.mjs', String(barePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => bare.stdout.once('data', r));
const body = JSON.stringify({ member: { externalId: 'm-1' }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } });
const results = [measure('bare Fastify JSON endpoint', `http://127.0.0.1:${barePort}/json`, 'POST', { 'content-type': 'application/json' }, body)];
bare.kill();

/** A service with 10,000 members; `grace()` then turns on a policy for everyone with a grace period. */
async function prepared(env) {
  const svc = await startService(env, { cpu: 0 });
  const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
  await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: auth, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  return {
    svc,
    pid: svc.pid,
    url: `${svc.base.replace('localhost', '127.0.0.1')}/api/v1/logins`,
    headers: auth,
    body: JSON.stringify({ member: { externalId: 'm-1' }, device: { id: 'tv-1', name: 'TV' }, client: { name: 'Jellyfin Android TV', version: '0.16' } }),
    // Each answer in grace mints a single-use enrolment link.
    grace: () => fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 14, enabled: true }) }),
  };
}

const NO_POLICY = 'logins: no policy applies (allow)';
const IN_GRACE = 'logins: in grace (allow_in_grace + enrolment link)';
const OFF = ' [audit writing off]';
const services = [await prepared({})];
if (AUDIT_COST) services.push(await prepared({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.resolve('tools/bench/no-audit.cjs'))}`.trim() }));
try {
  const targets = (label) => services.map((s, i) => ({ ...s, label: i ? `${label}${OFF}` : label }));
  results.push(...measureInterleaved(targets(NO_POLICY)));
  for (const s of services) await s.grace();
  results.push(...measureInterleaved(targets(IN_GRACE)));
} finally {
  for (const s of services) await s.svc.stop();
}
const withoutAudit = results.filter((r) => r.case.endsWith(OFF));

const bareRps = results[0].rps;
const rows = results.map((r) => ({ ...r, ratio: +(r.rps / bareRps).toFixed(2) }));
console.log(`\nPOST /api/v1/logins vs bare Fastify (${pin ? 'server on core 0, load on core 1' : 'no taskset: unpinned'}; median of 3 × ${SECONDS} s, 10 connections):\n`);
console.table(rows);
if (AUDIT_COST) {
  const cost = withoutAudit.map((off) => {
    const on = results.find((r) => r.case === off.case.slice(0, -OFF.length));
    return {
      case: on.case,
      'rps with audit': on.rps,
      'rps without': off.rps,
      'rps with / without': +(on.rps / off.rps).toFixed(2),
      'CPU µs/req with': on.cpuUsPerReq,
      'CPU µs/req without': off.cpuUsPerReq,
      'CPU without / with': on.cpuUsPerReq && off.cpuUsPerReq ? +(off.cpuUsPerReq / on.cpuUsPerReq).toFixed(2) : null,
    };
  });
  console.log('\nCost of audit writing on POST /api/v1/logins (same build, audit writer a no-op in the second service; runs interleaved).');
  console.log('"CPU without / with" is the throughput ratio the service would reach on an otherwise idle core:\n');
  console.table(cost);
  rows.push(...cost.map((c) => ({ case: `audit cost: ${c.case}`, ratio: c['rps with / without'], cpuRatio: c['CPU without / with'] })));
}
console.log(`Written to ${writeResults(AUDIT_COST ? 'logins-audit-cost' : 'logins', rows)}`);
