// temp: profile remembered-device logins
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { load, ownerAndServer, rememberedDevices, startService, cpuMs } from './lib.mjs';
import { execFileSync } from 'node:child_process';
const prof = process.argv[2] === 'prof';
const svc = await startService({}, { cpu: 0, nodeArgs: prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/exp/prof'] : [] });
try {
  const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
  await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: auth, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
  const admin = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  await (await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 0, enabled: true }) })).json();
  const pool = path.join(os.tmpdir(), `lk-prof-${process.pid}.json`);
  fs.writeFileSync(pool, JSON.stringify([...(await rememberedDevices(svc, apiKey, 'm-2', 10)), ...(await rememberedDevices(svc, apiKey, 'm-3', 10))]));
  const url = `${svc.base}/api/v1/logins`;
  const pin = true;
  const run = (s) => { const args = ['tools/bench/load.mjs', url, 'POST', JSON.stringify(auth), '', String(s), '10', pool]; const b = cpuMs(svc.pid); const out = JSON.parse(execFileSync('taskset', ['-c', '1', process.execPath, ...args], { encoding: 'utf8' }).trim().split('\n').pop()); out.cpuUs = ((cpuMs(svc.pid) - b) * 1000) / (out.rps * s); return out; };
  run(2);
  for (let i = 0; i < 3; i++) console.log(JSON.stringify(run(Number(process.argv[3] ?? 4))));
} finally { await svc.stop(); }
