// Shared helpers for benchmarks: start the built service on a fresh data directory, sign in, register a server.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts dist/apps/api on 127.0.0.1 with its own data directory; resolves once the setup link is printed. */
export async function startService(env = {}, { cpu, nodeArgs = [] } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-'));
  const port = await freePort();
  const args = [...nodeArgs, 'dist/apps/api/apps/api/src/main.js'];
  const cmd = cpu !== undefined && fs.existsSync('/usr/bin/taskset') ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd[0], cmd[1], {
    env: { ...process.env, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_PORT: String(port), LATCHKEY_HOST: '127.0.0.1', LATCHKEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const setupUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 60_000);
    const onData = (d) => {
      out += d;
      const m = /(http:\/\/\S+\/admin\/setup#token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d; if (process.env.LK_BENCH_STDERR) process.stderr.write(d); });
    child.on('exit', (code) => reject(new Error(`service exited with ${code}:\n${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    pid: child.pid,
    dataDir,
    setupToken: new URL(setupUrl).hash.slice('#token='.length),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!process.env.LK_BENCH_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function totp(secret) {
  const { TOTP, Secret } = await import('otpauth');
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate();
}

export async function ownerAndServer(svc) {
  const setup = await fetch(`${svc.base}/api/v1/admin/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: svc.setupToken, email: 'owner@example.com', displayName: 'Bench Owner', password: 'correct horse battery staple' }),
  });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
  const pendingCookie = setup.headers.get('set-cookie').split(';')[0];
  const pendingCsrf = (await setup.json()).csrfToken;
  // Every admin needs a second factor: enrol an authenticator app.
  const h = { 'content-type': 'application/json', cookie: pendingCookie, 'x-csrf-token': pendingCsrf };
  const enrol = await (await fetch(`${svc.base}/api/v1/admin/mfa/totp`, { method: 'POST', headers: h, body: '{}' })).json();
  const confirmed = await fetch(`${svc.base}/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, { method: 'POST', headers: h, body: JSON.stringify({ code: await totp(enrol.secret) }) });
  if (confirmed.status !== 200) throw new Error(`second factor failed: ${confirmed.status} ${await confirmed.text()}`);
  const cookie = confirmed.headers.get('set-cookie').split(';')[0];
  const { csrfToken } = await confirmed.json();
  const res = await fetch(`${svc.base}/api/v1/servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'Bench Jellyfin', kind: 'jellyfin', baseUrl: 'http://127.0.0.1:8096' }),
  });
  const { apiKey } = await res.json();
  return { cookie, csrfToken, apiKey };
}

/** CPU time (user + system, ms) a process has used so far, from /proc: contention makes it wait, not work more. */
export function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A directory of `n` members in `groups` groups (each member in two), and two libraries; `version` changes 1% of names. */
export function benchDirectory(n, groups, version = 0) {
  return {
    members: Array.from({ length: n }, (_, i) => ({
      externalId: `user-${i}`,
      username: `user${i}`,
      displayName: `User Number ${i}${version && i % 100 === 0 ? ` v${version}` : ''}`,
      email: i % 3 === 0 ? null : `user${i}@example.com`,
      groups: [`g${i % groups}`, `g${(i * 7) % groups}`],
    })),
    groups: Array.from({ length: groups }, (_, g) => ({ externalId: `g${g}`, name: `Group ${g}` })),
    libraries: [
      { externalId: 'movies', name: 'Movies' },
      { externalId: 'tv', name: 'TV' },
    ],
  };
}

export function writeResults(name, results) {
  fs.mkdirSync('bench-results', { recursive: true });
  const file = path.join('bench-results', `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, results }, null, 2) + '\n');
  return file;
}

/**
 * Remembered devices for `externalId`, one per load connection: enrols an authenticator app on the member
 * pages, makes recovery codes, then for each device logs in, answers the challenge with a recovery code and
 * "remember this device", and polls for the trust token. The policy must already ask for MFA.
 */
export async function rememberedDevices(svc, apiKey, externalId, count) {
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const json = async (res) => {
    if (res.status >= 300) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
    return { body: await res.json(), cookie: res.headers.get('set-cookie')?.split(';')[0] };
  };
  const portal = async (url) => {
    const link = new URL(url).hash.slice(1).split('&').find((p) => p.startsWith('link=')).slice(5);
    const s = await json(await fetch(`${svc.base}/api/v1/portal/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link }) }));
    return { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.body.csrfToken };
  };
  const enrol = (await json(await fetch(`${svc.base}/api/v1/directory/members/${externalId}/links`, { method: 'POST', headers: auth, body: '{"purpose":"enrol"}' }))).body.url;
  let me = await portal(enrol);
  const totpStart = (await json(await fetch(`${svc.base}/api/v1/me/factors/totp`, { method: 'POST', headers: me, body: '{}' }))).body;
  const confirmed = await json(await fetch(`${svc.base}/api/v1/me/factors/totp/${totpStart.factorId}/confirm`, { method: 'POST', headers: me, body: JSON.stringify({ code: await totp(totpStart.secret) }) }));
  me = { ...me, cookie: confirmed.cookie, 'x-csrf-token': confirmed.body.csrfToken };
  const { codes } = (await json(await fetch(`${svc.base}/api/v1/me/factors/recovery-codes`, { method: 'POST', headers: me, body: '{}' }))).body;
  const devices = [];
  for (let i = 0; i < count; i++) {
    const deviceId = `bench-device-${i}`;
    const login = JSON.stringify({ member: { externalId }, device: { id: deviceId, name: `Bench ${i}` }, client: { name: 'Jellyfin Web', version: '10.11' } });
    const { challenge } = (await json(await fetch(`${svc.base}/api/v1/logins`, { method: 'POST', headers: auth, body: login }))).body;
    const page = await portal(challenge.portalUrl);
    await json(await fetch(`${svc.base}/api/v1/me/challenges/${challenge.id}/verify`, { method: 'POST', headers: page, body: JSON.stringify({ method: 'recovery_code', code: codes[i], remember: true }) }));
    const polled = (await json(await fetch(`${svc.base}/api/v1/challenges/${challenge.id}`, { headers: auth }))).body;
    devices.push({ externalId, deviceId, token: polled.completion.trustToken });
  }
  return devices;
}

/** One autocannon run (tools/bench/load.mjs), pinned to core 1 when taskset is there. */
export function load(url, method, headers, body, seconds) {
  const pin = fs.existsSync('/usr/bin/taskset');
  const args = ['tools/bench/load.mjs', url, method, JSON.stringify(headers), body ?? '', String(seconds), '10'];
  const out = execFileSync(pin ? 'taskset' : process.execPath, pin ? ['-c', '1', process.execPath, ...args] : args, { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

export function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
