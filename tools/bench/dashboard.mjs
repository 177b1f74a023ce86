// Dashboard endpoints at scale: PUT a directory of N members (default 100,000), enable a policy for everyone,
// then time each dashboard endpoint over R sequential requests (default 200) and print p50/p99.
// Times are wall time of the HTTP request on loopback (an upper bound of server time, one request at a time).
// The adoption summary is also timed cold (its first computation, the same work as each background refresh),
// and trend requests sent while that computation runs show how long other requests wait for it.
// The service's event-loop delay during the cold computation (max and p99) is read with a preloaded probe
// (event-loop-probe.cjs), and /healthz requests sent meanwhile show what a health check waits.
// LK_BENCH_COLD_ALONE=1 sends nothing else during the cold computation (its time without competition).
// Usage: node tools/bench/dashboard.mjs [members] [requests]   (after `npm run build`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerAndServer, startService, writeResults } from './lib.mjs';

const N = Number(process.argv[2] ?? 100_000);
const R = Number(process.argv[3] ?? 200);
const GROUPS = 50;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const probeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-eld-')), 'event-loop.json');
const svc = await startService({ LK_BENCH_EVENT_LOOP_FILE: probeFile }, { nodeArgs: ['--require', path.resolve('tools/bench/event-loop-probe.cjs')] });
/** The service's event-loop delay since the previous call (the probe answers SIGWINCH by writing it). */
const eventLoopDelay = async () => {
  fs.rmSync(probeFile, { force: true });
  process.kill(svc.pid, 'SIGWINCH');
  for (let i = 0; i < 500 && !fs.existsSync(probeFile); i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 100; i++) {
    const text = fs.readFileSync(probeFile, 'utf8');
    if (text.endsWith('\n')) return JSON.parse(text);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the event-loop probe did not answer');
};
try {
  const { cookie, csrfToken, apiKey } = await ownerAndServer(svc);
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  const groups = Array.from({ length: GROUPS }, (_, g) => ({ externalId: `g${g}`, name: `Group ${g}` }));
  const members = Array.from({ length: N }, (_, i) => ({ externalId: `user-${i}`, username: `user${i}`, email: i % 3 === 0 ? null : `user${i}@example.com`, groups: [`g${i % GROUPS}`] }));
  const put = await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ members, groups, libraries: [] }) });
  if (put.status !== 200) throw new Error(`directory PUT failed: ${put.status} ${await put.text()}`);
  const pol = await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 14, enabled: true }) });
  if (pol.status !== 201) throw new Error(`policy failed: ${pol.status} ${await pol.text()}`);

  const time = async (url) => {
    const t0 = performance.now();
    const res = await fetch(`${svc.base}${url}`, { headers: { cookie } });
    const body = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 300)}`);
    return { ms, body };
  };
  const series = async (url) => {
    const xs = [];
    for (let i = 0; i < R; i++) xs.push((await time(url)).ms);
    return xs;
  };

  const health = async () => {
    const t0 = performance.now();
    const res = await fetch(`${svc.base}/healthz`);
    await res.text();
    return performance.now() - t0;
  };
  await eventLoopDelay();
  let computing = !process.env.LK_BENCH_COLD_ALONE;
  const coldRequest = time('/api/v1/dashboard/adoption').finally(() => (computing = false));
  const meanwhile = [];
  const healthMeanwhile = [];
  await Promise.all([
    (async () => {
      while (computing) meanwhile.push((await time('/api/v1/dashboard/adoption-trend?days=30')).ms);
    })(),
    (async () => {
      while (computing) healthMeanwhile.push(await health());
    })(),
  ]);
  const cold = await coldRequest;
  const loop = await eventLoopDelay();
  const summary = JSON.parse(cold.body);
  const rows = [
    { endpoint: 'adoption (cold: first computation)', requests: 1, p50: cold.ms, p99: cold.ms, max: cold.ms },
    ...[
      ['adoption-trend while it is computed', meanwhile],
      ['/healthz while it is computed', healthMeanwhile],
    ].map(([endpoint, xs]) => ({ endpoint, requests: xs.length, p50: pct(xs, 50) ?? 0, p99: pct(xs, 99) ?? 0, max: Math.max(0, ...xs) })),
  ];
  for (const url of ['/api/v1/dashboard/adoption', '/api/v1/dashboard/adoption-trend?days=30', '/api/v1/dashboard/events?days=30']) {
    const xs = await series(url);
    rows.push({ endpoint: url.replace('/api/v1/dashboard/', ''), requests: R, p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) });
  }

  const db = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  const results = rows.map((r) => ({ ...r, members: N, database: db, p50: Math.round(r.p50 * 10) / 10, p99: Math.round(r.p99 * 10) / 10, max: Math.round(r.max * 10) / 10 }));
  console.log(`\nDashboard, ${N.toLocaleString('en')} members, ${db}; summary says ${summary.overall.inScope} in scope, ${summary.overall.inGrace} in grace:\n`);
  console.table(results.map((r) => ({ endpoint: r.endpoint, requests: r.requests, 'p50 ms': r.p50, 'p99 ms': r.p99, 'max ms': r.max })));
  console.log(`Event-loop delay during the cold computation: max ${loop.max} ms, p99 ${loop.p99} ms, mean ${loop.mean} ms`);
  const warm = results.slice(3);
  console.log(`Target: every dashboard request ≤ 50 ms (p99, warm) → ${warm.every((r) => r.p99 <= 50) ? 'met' : 'NOT met'}`);
  console.log(`Written to ${writeResults(`dashboard-${db}`, [...results, { endpoint: 'event-loop delay during the cold computation', members: N, database: db, ...loop }])}`);
} finally {
  await svc.stop();
  fs.rmSync(path.dirname(probeFile), { recursive: true, force: true });
}
