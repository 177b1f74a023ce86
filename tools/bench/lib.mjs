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
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`service exited with ${code}:\n${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    dataDir,
    setupToken: new URL(setupUrl).hash.slice('#token='.length),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
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

export function writeResults(name, results) {
  fs.mkdirSync('bench-results', { recursive: true });
  const file = path.join('bench-results', `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, results }, null, 2) + '\n');
  return file;
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
