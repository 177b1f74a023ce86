// temp: in-process cost of the login hot path (no HTTP), robust to machine load (process CPU time)
import { createRequire } from 'node:module'; import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { ownerAndServer, rememberedDevices, freePort } from './lib.mjs';
const require = createRequire(import.meta.url);
const dist = '/work/main/dist/apps/api/apps/api/src';
process.env.LATCHKEY_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-inproc-'));
const port = await freePort(); process.env.LATCHKEY_PORT = String(port); process.env.LATCHKEY_HOST = '127.0.0.1'; process.env.LATCHKEY_LOG_LEVEL = 'warn';
const { createApp } = require(`${dist}/bootstrap.js`); const { loadConfig } = require(`${dist}/config/config.js`);
const { AdminAuthService } = require(`${dist}/admin-auth/admin-auth.service.js`);
const { DecisionsService } = require(`${dist}/decisions/decisions.service.js`); const { ServersService } = require(`${dist}/servers/servers.service.js`);
const { LoginDecisionRequest } = require('/work/main/dist/apps/api/libs/contracts/src/index.js');
const app = await createApp(loadConfig()); await app.listen({ port, host: '127.0.0.1' });
const link = await app.get(AdminAuthService).issueSetupLink();
const svc = { base: `http://127.0.0.1:${port}`, setupToken: new URL(link.url).hash.slice('#token='.length) };
const { apiKey, cookie, csrfToken } = await ownerAndServer(svc);
const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
const members = Array.from({ length: 10_000 }, (_, i) => ({ externalId: `m-${i}`, username: `user${i}`, groups: [i % 2 ? 'kids' : 'adults'] }));
await fetch(`${svc.base}/api/v1/directory`, { method: 'PUT', headers: auth, body: JSON.stringify({ members, groups: [{ externalId: 'kids', name: 'Kids' }, { externalId: 'adults', name: 'Adults' }] }) });
await fetch(`${svc.base}/api/v1/policies`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 0, enabled: true }) });
const devices = await rememberedDevices(svc, apiKey, 'm-2', 10);
const servers = app.get(ServersService), decisions = app.get(DecisionsService);
const authz = `Bearer ${apiKey}`;
const parts = { auth: 0, parse: 0, zod: 0, login: 0 };
function one(d, timed) {
  const body = JSON.stringify({ member: { externalId: d.externalId }, device: { id: d.deviceId, name: 'Bench' }, client: { name: 'Jellyfin Web', version: '10.11' }, trustToken: d.token });
  const t0 = timed ? performance.now() : 0;
  const parsedJson = JSON.parse(body);
  const t1 = timed ? performance.now() : 0;
  const server = servers.authenticateNow(authz.slice(7) && authz ? require(`${dist}/common/secret-tokens.js`).bearerToken(authz) : null);
  const t2 = timed ? performance.now() : 0;
  const parsed = LoginDecisionRequest.safeParse(parsedJson);
  const t3 = timed ? performance.now() : 0;
  const out = decisions.loginNow({ type: 'server', serverId: server.id, trustedProxies: server.trustedProxies }, parsed.data);
  const t4 = timed ? performance.now() : 0;
  if (timed) { parts.parse += t1 - t0; parts.auth += t2 - t1; parts.zod += t3 - t2; parts.login += t4 - t3; }
  if (!out || out.decision !== 'allow') throw new Error('declined ' + JSON.stringify(out));
  d.token = out.trustToken; JSON.stringify(out);
}
const N = Number(process.argv[2] ?? 20000);
for (let i = 0; i < 2000; i++) one(devices[i % 10]);
await new Promise((r) => setTimeout(r, 100));
for (let round = 0; round < 3; round++) {
  const a = process.cpuUsage();
  for (let i = 0; i < N; i++) { one(devices[i % 10]); if (i % 100 === 99) await new Promise((r) => setImmediate(r)); }
  await new Promise((r) => setTimeout(r, 60));
  const b = process.cpuUsage(a);
  console.log(`round ${round}: ${((b.user + b.system) / N).toFixed(1)} us/login (cpu, incl. audit flush)`);
}
for (const k of Object.keys(parts)) parts[k] = 0;
for (let i = 0; i < N; i++) one(devices[i % 10], true);
console.log('wall us/login by part:', Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, +(v * 1000 / N).toFixed(1)])));
await app.close(); process.exit(0);
