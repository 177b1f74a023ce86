// Throughput of a large range-request stream straight from an origin vs through the Jellyfin gateway.
//
//   npx nx run jellyfin-gateway:build && node tools/bench/gateway-stream.mjs [megabytes=1024] [runs=3]
//
// The origin (a node:http "Jellyfin" serving /Videos/x/stream with range support from memory, so disk
// speed does not count) runs in its own process, the built gateway in another, and this process reads the
// body and throws it away. Reports the median MB/s of `runs` runs each and the gateway/direct ratio
// (goal: >= 0.90). Results are printed and written to bench-results/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './lib.mjs';

const MB = 1024 * 1024;
const sizeMb = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 3);
const size = sizeMb * MB;

const ORIGIN = `
const http = require('node:http');
const size = Number(process.env.SIZE);
const chunk = Buffer.alloc(1024 * 1024, 7);
http.createServer((req, res) => {
  const m = /^bytes=(\\d+)-(\\d*)$/.exec(req.headers.range || '');
  const start = m ? Number(m[1]) : 0;
  const end = m && m[2] ? Number(m[2]) : size - 1;
  res.writeHead(m ? 206 : 200, { 'content-type': 'video/mp4', 'content-length': end - start + 1, 'accept-ranges': 'bytes', ...(m ? { 'content-range': 'bytes ' + start + '-' + end + '/' + size } : {}) });
  let left = end - start + 1;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`;

function start(args, env, readyPattern) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start:\n${out}`)), 30_000);
    const onData = (d) => {
      out += d;
      if (readyPattern.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
}

function stream(base) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    http
      .get(`${base}/Videos/bench/stream?static=true`, { headers: { range: 'bytes=0-' } }, (res) => {
        res.on('data', (c) => (bytes += c.length));
        res.on('end', () => {
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          if (bytes !== size) return reject(new Error(`got ${bytes} bytes, expected ${size}`));
          resolve(size / MB / s);
        });
      })
      .on('error', reject);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const gatewayMain = 'dist/apps/jellyfin-gateway/apps/jellyfin-gateway/src/main.js';
if (!fs.existsSync(gatewayMain)) {
  console.error(`Build the gateway first: npx nx run jellyfin-gateway:build`);
  process.exit(1);
}
const originPort = await freePort();
const gatewayPort = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-gw-bench-'));
const origin = await start(['-e', ORIGIN], { PORT: String(originPort), SIZE: String(size) }, /ready/);
const gateway = await start(
  [gatewayMain],
  { JELLYFIN_URL: `http://127.0.0.1:${originPort}`, LATCHKEY_URL: 'http://127.0.0.1:9', LATCHKEY_API_KEY: 'lk_srv_benchmark', GATEWAY_PORT: String(gatewayPort), GATEWAY_DATA_DIR: dataDir },
  /gateway\.listening/,
);
try {
  const direct = [];
  const proxied = [];
  const gatewayCpu = [];
  const gatewayBusy = [];
  await stream(`http://127.0.0.1:${originPort}`); // warm-up
  await stream(`http://127.0.0.1:${gatewayPort}`);
  for (let i = 0; i < runs; i++) {
    // Interleaved, so a burst of load from elsewhere on the machine hits both sides alike.
    direct.push(await stream(`http://127.0.0.1:${originPort}`));
    const cpu0 = cpuSeconds(gateway.pid);
    const wall0 = process.hrtime.bigint();
    proxied.push(await stream(`http://127.0.0.1:${gatewayPort}`));
    gatewayCpu.push((cpuSeconds(gateway.pid) - cpu0) / (sizeMb / 1024));
    gatewayBusy.push((cpuSeconds(gateway.pid) - cpu0) / (Number(process.hrtime.bigint() - wall0) / 1e9));
  }
  const result = {
    benchmark: 'gateway-stream',
    at: new Date().toISOString(),
    sizeMb,
    runs,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    directMBps: direct.map((x) => Math.round(x)),
    gatewayMBps: proxied.map((x) => Math.round(x)),
    medianDirectMBps: Math.round(median(direct)),
    medianGatewayMBps: Math.round(median(proxied)),
    // How much CPU the gateway spends per GiB streamed, and the share of one core it used while streaming:
    // near 1.0 means the gateway was CPU-bound (three processes share the machine's cores).
    gatewayCpuSecondsPerGiB: Number(median(gatewayCpu).toFixed(2)),
    gatewayCoreShare: Number(median(gatewayBusy).toFixed(2)),
    ratio: Number((median(proxied) / median(direct)).toFixed(3)),
  };
  console.log(JSON.stringify(result, null, 2));
  fs.mkdirSync('bench-results', { recursive: true });
  fs.writeFileSync(path.join('bench-results', `gateway-stream-${Date.now()}.json`), JSON.stringify(result, null, 2));
} finally {
  origin.kill('SIGTERM');
  gateway.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
