// Directory sync at scale: PUT a directory of N members (default 100,000) and time it, then the same push
// again (idempotent: no writes), then a push with 1% of members changed. Median of 3 runs each.
// Usage: node tools/bench/directory-sync.mjs [members]   (DATABASE_URL=postgres://… to bench PostgreSQL)
import { pathToFileURL } from 'node:url';
import { benchDirectory, ownerAndServer, startService, writeResults } from './lib.mjs';

const GROUPS = 50;

async function timedPut(svc, apiKey, body) {
  const t0 = performance.now();
  const res = await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
  const json = await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`PUT failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return { ms, members: json.members };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall time (ms) of the three pushes, each on `runs` fresh services; rows with median and runs. */
export async function syncBench(N, runs = 3) {
  const directory = (version) => JSON.stringify(benchDirectory(N, GROUPS, version));
  const db = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  const rows = [];
  for (const scenario of ['first sync (all new)', 'same push again (idempotent)', '1% of members changed']) rows.push({ scenario, runs: [] });
  for (let run = 0; run < runs; run++) {
    const svc = await startService();
    try {
      const { apiKey } = await ownerAndServer(svc);
      const first = directory(0);
      rows[0].runs.push(await timedPut(svc, apiKey, first));
      rows[1].runs.push(await timedPut(svc, apiKey, first));
      rows[2].runs.push(await timedPut(svc, apiKey, directory(run + 1)));
    } finally {
      await svc.stop();
    }
  }
  const results = rows.map((r) => ({ scenario: r.scenario, members: N, database: db, medianMs: Math.round(median(r.runs.map((x) => x.ms))), runsMs: r.runs.map((x) => Math.round(x.ms)), counts: r.runs[0].members }));
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const N = Number(process.argv[2] ?? 100_000);
  const db = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  const results = await syncBench(N);
  console.log(`\nDirectory sync, ${N.toLocaleString('en')} members, ${GROUPS} groups, ${db} (median of 3, wall time of the HTTP PUT incl. upload):\n`);
  console.table(results.map((r) => ({ scenario: r.scenario, 'median ms': r.medianMs, 'runs ms': r.runsMs.join(' / '), created: r.counts.created, updated: r.counts.updated, unchanged: r.counts.unchanged })));
  const target = 15_000;
  const ok = results[0].medianMs < target;
  console.log(`Target: first sync of 100,000 members under ${target / 1000} s → ${ok ? 'met' : 'NOT met'} (${(results[0].medianMs / 1000).toFixed(2)} s)`);
  console.log(`Written to ${writeResults(`directory-sync-${db}`, results)}`);
}
