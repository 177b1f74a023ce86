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

/**
 * Starts dist/apps/api on 127.0.0.1 with its own data directory; resolves once the setup link is printed.
 * With `dataDir` (a directory a previous start left behind, e.g. filled by tools/bench/generate.mjs), starts on
 * it instead, resolves once it answers HTTP, and leaves the directory in place on `stop()`.
 */
export async function startService(env = {}, { cpu, nodeArgs = [], dataDir: existing } = {}) {
  const dataDir = existing ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-'));
  const port = await freePort();
  const args = [...nodeArgs, 'dist/apps/api/apps/api/src/main.js'];
  const cmd = cpu !== undefined && fs.existsSync('/usr/bin/taskset') ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd[0], cmd[1], {
    env: { ...process.env, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_PORT: String(port), LATCHKEY_HOST: '127.0.0.1', LATCHKEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  const base = `http://127.0.0.1:${port}`;
  const setupUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 120_000);
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
    child.on('exit', (code) => { exited = true; reject(new Error(`service exited with ${code}:\n${out}`)); });
    if (existing) {
      // An owner exists already: no setup link is printed; wait until it answers.
      const poll = () => fetch(`${base}/api/v1/healthz`).then(() => { clearTimeout(timer); resolve(null); }, () => { if (!exited) setTimeout(poll, 200); });
      setTimeout(poll, 300);
    }
  });
  return {
    base,
    port,
    pid: child.pid,
    dataDir,
    setupToken: setupUrl ? new URL(setupUrl).hash.slice('#token='.length) : null,
    /** Stops the service; deletes the data directory it made (not one it was given), unless `keep` or LK_BENCH_KEEP. */
    async stop({ keep = false } = {}) {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      if (!existing && !keep && !process.env.LK_BENCH_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function totp(secret) {
  const { TOTP, Secret } = await import('otpauth');
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate();
}

export const OWNER = { email: 'owner@example.com', password: 'correct horse battery staple' };

/** Creates the owner (with an authenticator app) and a Jellyfin server; returns its session, API key and TOTP secret. */
export async function ownerAndServer(svc) {
  const setup = await fetch(`${svc.base}/api/v1/admin/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: svc.setupToken, email: OWNER.email, displayName: 'Bench Owner', password: OWNER.password }),
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
  return { cookie, csrfToken, apiKey, ownerTotpSecret: enrol.secret, ...OWNER };
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

/**
 * One autocannon run (tools/bench/load.mjs), pinned to core 1 when taskset is there. `opts`: `pool` (a file of
 * remembered devices: each request sends one's current token), `bodies` (a file with a JSON array of bodies,
 * sent round robin), `verify` (a file of prepared challenge answers, each sent once: the run ends when all are
 * sent), `noCheck` (do not read answers: for the yardstick fed the same requests), `rate` (requests per second
 * in all, instead of as fast as possible), `amount` (stop after this many), `connections` (default 10).
 */
export function load(url, method, headers, body, seconds, opts = {}) {
  const pin = fs.existsSync('/usr/bin/taskset');
  const flags = Object.entries(opts).filter(([k, v]) => v !== undefined && v !== null && v !== false && k !== 'pool' && k !== 'connections').map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`));
  const args = ['tools/bench/load.mjs', url, method, JSON.stringify(headers), body ?? '', String(seconds), String(opts.connections ?? 10), ...(opts.pool ? [opts.pool] : []), ...flags];
  const out = execFileSync(pin ? 'taskset' : process.execPath, pin ? ['-c', '1', process.execPath, ...args] : args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** One load run; with `pid`, also that server's CPU time per request in µs (a busy machine makes it wait, not work more). */
export function measuredRun(t, seconds) {
  const before = t.pid ? cpuMs(t.pid) : 0;
  const r = load(t.url, t.method ?? 'POST', t.headers ?? {}, t.body ?? '', seconds, typeof t.opts === 'function' ? t.opts() : (t.opts ?? {}));
  if (r.non2xx || r.errors) throw new Error(`${t.url}: ${r.non2xx} non-2xx, ${r.errors} errors${r.sample ? ` (${r.sample})` : ''}`);
  if (t.pid && r.requests) r.cpuUs = ((cpuMs(t.pid) - before) * 1000) / r.requests;
  return r;
}

/**
 * The yardstick (tools/bench/bare-fastify.mjs) on core 0: answers any path, so it can be sent exactly the same
 * requests (path, headers, body) as the service. `url(path)` gives the address of a path on it.
 */
export async function startBare() {
  const pin = fs.existsSync('/usr/bin/taskset');
  const port = await freePort();
  const args = ['tools/bench/bare-fastify.mjs', String(port)];
  const child = spawn(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  return {
    pid: child.pid,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    /** The same request as `target`, sent to the yardstick (answers not checked). */
    mirror(target) {
      const u = new URL(target.url);
      const opts = typeof target.opts === 'function' ? target.opts : { ...(target.opts ?? {}) };
      const mirrored = typeof opts === 'function' ? () => ({ ...opts(), noCheck: true }) : { ...opts, noCheck: true };
      return { ...target, url: `http://127.0.0.1:${port}${u.pathname}${u.search}`, pid: child.pid, opts: mirrored };
    },
    stop: () => child.kill(),
  };
}

/**
 * A case against the yardstick, in pairs: a warm-up of each, then `pairs` times a bare run right before a run
 * of ours, so both see the same machine. Figures are medians; the ratios are medians of the pairs' ratios.
 * `target`: { url, method, headers, body, opts, pid }.
 */
export function pairedCase(label, bare, target, seconds, options = {}) {
  const { growth: _g, cpuGrowth: _c, ...row } = pairedCases([label], bare, [target], seconds, options).rows[0];
  return row;
}

/**
 * Several variants of one case (e.g. the same request at 1,000 and at 100,000 members) against the same bare
 * runs: each round is a bare run (fed the first target's requests) followed by one run of each target.
 * Returns a row per target and, per target, `growth`: the median over rounds of its req/s ÷ the first
 * target's, and `cpuGrowth`: the first target's CPU µs per request ÷ its own (1 = no growth in cost).
 */
export function pairedCases(labels, bare, targets, seconds, { pairs = 3, warmup = Math.min(2, seconds) } = {}) {
  const mirror = bare.mirror(targets[0]);
  measuredRun(mirror, warmup);
  for (const t of targets) measuredRun(t, warmup);
  const rounds = Array.from({ length: pairs }, () => ({ bare: measuredRun(mirror, seconds), ours: targets.map((t) => measuredRun(t, seconds)) }));
  const round = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? null : +x.toFixed(d));
  const rows = targets.map((_, k) => {
    const m = (f) => median(rounds.map((r) => f(r.ours[k], r.bare, r.ours[0])));
    return {
      case: labels[k],
      rps: Math.round(m((o) => o.rps)),
      bareRps: Math.round(m((o, b) => b.rps)),
      ratio: round(m((o, b) => o.rps / b.rps)),
      cpuUs: round(m((o) => o.cpuUs), 1),
      bareCpuUs: round(m((o, b) => b.cpuUs), 1),
      cpuRatio: round(m((o, b) => b.cpuUs / o.cpuUs)),
      p50ms: m((o) => o.p50),
      p99ms: m((o) => o.p99),
      bareP99ms: m((o, b) => b.p99),
      p99VsBare: round(m((o, b) => o.p99 / Math.max(b.p99, 1))),
      requests: rounds.reduce((n, r) => n + r.ours[k].requests, 0),
      growth: round(m((o, b, first) => o.rps / first.rps)),
      cpuGrowth: round(m((o, b, first) => first.cpuUs / o.cpuUs)),
    };
  });
  return { rows };
}

export function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
