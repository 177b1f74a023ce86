// The console's members table at scale: a directory of N members (default 100,000) with factors,
// exemptions and spread first-seen dates, three policies, then GET /api/v1/members pages with each
// filter and sort. Reports the median and p95 wall time per page (loopback HTTP, i.e. server time plus
// a fraction of a millisecond). Target: ≤ 50 ms per page.
// Usage: node tools/bench/members-list.mjs [members]   (after a build; DATABASE_URL=postgres://… for PostgreSQL)
import path from 'node:path';
import { benchDirectory, ownerAndServer, startService, writeResults } from './lib.mjs';

const N = Number(process.argv[2] ?? 100_000);
const GROUPS = 50;
const RUNS = 15;
const DAY = 86_400_000;
const TARGET_MS = 50;

/** Opens the service's database from outside (data set-up only): better-sqlite3 on the data directory, or pg. */
async function database(svc) {
  if (process.env.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    let n = 0;
    return { run: async (sql, params = []) => client.query(sql.replace(/\?/g, () => `$${++n}`), params).finally(() => (n = 0)), close: () => client.end(), random: 'random()' };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(svc.dataDir, 'latchkey.db'));
  db.pragma('busy_timeout = 10000');
  return { run: async (sql, params = []) => db.prepare(sql).run(...params), close: async () => db.close(), random: '(abs(random()) % 1000000) / 1000000.0' };
}

/** Factors for 45% of members (TOTP 35%, e-mail 5%, passkeys 5%), recovery codes alone for 1%, exemptions for 1%. */
async function seed(db, now) {
  const r = db.random;
  await db.run('BEGIN');
  await db.run(`UPDATE members SET first_seen_at = first_seen_at - CAST(${r} * 60 AS BIGINT) * ${DAY}`);
  for (const [kind, from, to] of [['totp', 0, 0.35], ['email', 0.35, 0.4], ['passkey', 0.4, 0.45], ['recovery_codes', 0.45, 0.46]]) {
    await db.run(
      `INSERT INTO factors (id, member_id, kind, status, created_at) SELECT ${process.env.DATABASE_URL ? 'gen_random_uuid()::text' : "lower(hex(randomblob(16)))"}, id, '${kind}', 'active', ? FROM members WHERE ${hashOf('id')} >= ? AND ${hashOf('id')} < ?`,
      [now, Math.floor(from * 1000), Math.floor(to * 1000)],
    );
  }
  await db.run(
    `INSERT INTO exemptions (id, member_id, policy_id, reason, created_at) SELECT ${process.env.DATABASE_URL ? 'gen_random_uuid()::text' : "lower(hex(randomblob(16)))"}, id, NULL, 'bench', ? FROM members WHERE ${hashOf('id')} >= 990`,
    [now],
  );
  await db.run('COMMIT');
}

/** A stable number 0–999 from a member id (its last three hex digits). */
function hashOf(column) {
  return process.env.DATABASE_URL ? `(('x' || right(${column}, 3))::bit(12)::int % 1000)` : `((instr('0123456789abcdef', substr(${column}, -1)) - 1) + (instr('0123456789abcdef', substr(${column}, -2, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(${column}, -3, 1)) - 1) * 256) % 1000`;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const svc = await startService();
try {
  const { cookie, csrfToken, apiKey } = await ownerAndServer(svc);
  const admin = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
  const t0 = performance.now();
  const put = await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(benchDirectory(N, GROUPS)) });
  if (put.status !== 200) throw new Error(`directory push failed: ${put.status}`);
  console.log(`Pushed ${N.toLocaleString('en')} members in ${Math.round(performance.now() - t0)} ms`);
  const api = async (method, url, body) => {
    const res = await fetch(`${svc.base}/api/v1${url}`, { method, headers: admin, body: body ? JSON.stringify(body) : undefined });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const groups = (await api('GET', '/groups')).items;
  const libraries = (await api('GET', '/libraries')).items;
  const db = await database(svc);
  const now = Date.now();
  await seed(db, now);
  for (const body of [
    { name: 'Everyone', gracePeriodDays: 30, enabled: true },
    { name: 'Group 1 uses passkeys', groups: [groups.find((g) => g.externalId === 'g1').id], accepted: 'phishing_resistant', gracePeriodDays: 14, enabled: true },
    { name: 'Movies without e-mail codes', libraries: [libraries.find((l) => l.externalId === 'movies').id], allowEmail: false, gracePeriodDays: 7, enabled: true },
  ]) {
    const p = await api('POST', '/policies', body);
    await db.run('UPDATE policies SET first_activated_at = ? WHERE id = ?', [now - 20 * DAY, p.id]);
  }
  // The seeding rewrote every member row at once; on PostgreSQL autovacuum would analyse and vacuum within a
  // minute or so (statistics, visibility map for index-only scans). Measure the settled state.
  if (process.env.DATABASE_URL) await db.run('VACUUM ANALYZE');
  await db.close();

  const time = async (query) => {
    const t = performance.now();
    const page = await api('GET', `/members?${new URLSearchParams({ limit: '50', ...query })}`);
    return { ms: performance.now() - t, page };
  };
  const scenarios = [
    ['first page, by username', {}],
    ['first page, newest first', { sort: '-firstSeenAt' }],
    ['search "user4242" (few matches)', { q: 'user4242' }],
    ['search "number 77"', { q: 'number 77' }],
    ['status: overdue', { status: 'overdue' }],
    ['status: in grace', { status: 'in_grace' }],
    ['status: compliant', { status: 'compliant' }],
    ['status: exempt (1%)', { status: 'exempt' }],
    ['group', { groupId: groups[5].id }],
    ['factor: passkey', { factor: 'passkey' }],
    ['factor: none', { factor: 'none' }],
    ['library Movies, overdue', { libraryId: libraries.find((l) => l.externalId === 'movies').id, status: 'overdue' }],
    ['group + in grace + no factor', { groupId: groups[1].id, status: 'in_grace', factor: 'none' }],
    ['exempt holding a passkey (rare)', { status: 'exempt', factor: 'passkey' }],
  ];
  const results = [];
  for (const [name, query] of scenarios) {
    for (let i = 0; i < 3; i++) await time(query);
    const runs = [];
    let items = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await time(query);
      runs.push(r.ms);
      items = r.page.items.length;
    }
    results.push({ scenario: name, items, medianMs: +median(runs).toFixed(1), p95Ms: +p95(runs).toFixed(1) });
  }
  // Deep paging: follow the cursor through 100 pages (5,000 members), in two sort orders.
  for (const sort of ['username', '-firstSeenAt']) {
    const runs = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const r = await time({ sort, ...(cursor ? { cursor } : {}) });
      runs.push(r.ms);
      cursor = r.page.nextCursor;
    }
    results.push({ scenario: `pages 1–100 following the cursor (${sort})`, items: 50, medianMs: +median(runs).toFixed(1), p95Ms: +p95(runs).toFixed(1) });
  }
  const kind = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  console.log(`\nMembers table, ${N.toLocaleString('en')} members, ${kind}, 50 per page (median and p95 of ${RUNS} requests):\n`);
  console.table(results.map((r) => ({ scenario: r.scenario, rows: r.items, 'median ms': r.medianMs, 'p95 ms': r.p95Ms })));
  const worst = Math.max(...results.map((r) => r.medianMs));
  console.log(`Target: every page ≤ ${TARGET_MS} ms → ${worst <= TARGET_MS ? 'met' : 'NOT met'} (slowest median ${worst} ms)`);
  console.log(`Written to ${writeResults(`members-list-${kind}`, results)}`);
} finally {
  await svc.stop();
}
