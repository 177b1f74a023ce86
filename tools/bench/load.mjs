// One autocannon run, meant to be started pinned to its own core: prints the result as JSON.
// Usage: node tools/bench/load.mjs <url> <method> <headers JSON> <body> <seconds> [connections] [pool file] [--flags]
// With a pool file (7th argument), each request takes a remembered device from the pool, sends its current
// trust token, and puts the device back with the rotated token from the answer: as many devices as
// connections, each signing in again and again, as real remembered devices do.
// Flags: --bodies=<file> (a JSON array of bodies, sent round robin); --verify=<file> (prepared sign-in
// challenges [{ path, cookie, csrfToken, secret }], each answered once with the current TOTP code of its
// secret; the run ends when all are sent); --noCheck (do not read answers: the yardstick, fed the same
// requests); --rate=<requests per second in all>; --amount=<stop after this many requests>.
import fs from 'node:fs';
import autocannon from 'autocannon';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? true];
    }),
);
const [url, method, headersJson, body, seconds, connections, poolFile] = positional;
const check = !flags.noCheck;
const pool = poolFile ? JSON.parse(fs.readFileSync(poolFile, 'utf8')) : null;
const latest = new Map((pool ?? []).map((d) => [d.deviceId, d]));
let next = 0;
const inFlight = new Set();
const generation = (token) => Number(token.split('.')[2]);
let lost = 0;
let sample = '';

function devices() {
  return {
    // Round robin over more devices than connections, skipping a device whose previous request is still
    // unanswered: a real device does not sign in twice at once (on a busy machine one slow answer would
    // otherwise leave its token two generations behind, which the service rightly treats as a replay).
    setupRequest(req, context) {
      let device = latest.get(pool[next++ % pool.length].deviceId);
      for (let tries = 0; inFlight.has(device.deviceId) && tries < pool.length; tries++) device = latest.get(pool[next++ % pool.length].deviceId);
      inFlight.add(device.deviceId);
      context.deviceId = device.deviceId;
      req.body = JSON.stringify({ member: { externalId: device.externalId }, device: { id: device.deviceId, name: 'Bench' }, client: { name: 'Jellyfin Web', version: '10.11' }, trustToken: device.token });
      return req;
    },
    onResponse(status, resBody, context) {
      inFlight.delete(context.deviceId);
      if (!check) return;
      try {
        const answer = JSON.parse(resBody);
        if (answer.decision !== 'allow' || !answer.trustToken) {
          lost++;
          sample ||= `${status} ${resBody.slice(0, 300)}`;
        }
        // Answers can arrive out of order: keep the newest generation (`lkd1.<id>.<generation>.<mac>`).
        else if (generation(answer.trustToken) > generation(latest.get(context.deviceId).token)) latest.set(context.deviceId, { ...latest.get(context.deviceId), token: answer.trustToken });
      } catch {
        lost++;
      }
    },
  };
}

function bodies(list) {
  return {
    setupRequest(req) {
      req.body = list[next++ % list.length];
      return req;
    },
  };
}

async function verifications(list) {
  const { TOTP, Secret } = await import('otpauth');
  const totps = new Map();
  return {
    setupRequest(req) {
      const item = list[next++ % list.length];
      const totp = totps.get(item.secret) ?? new TOTP({ secret: Secret.fromBase32(item.secret) });
      totps.set(item.secret, totp);
      req.path = item.path;
      req.headers = { ...req.headers, cookie: item.cookie, 'x-csrf-token': item.csrfToken };
      req.body = JSON.stringify({ method: 'totp', code: totp.generate() });
      return req;
    },
  };
}

let requests;
let amount = flags.amount ? Number(flags.amount) : undefined;
if (pool) requests = [devices()];
else if (flags.bodies) requests = [bodies(JSON.parse(fs.readFileSync(flags.bodies, 'utf8')))];
else if (flags.verify) {
  const list = JSON.parse(fs.readFileSync(flags.verify, 'utf8'));
  requests = [await verifications(list)];
  amount = list.length;
}

const result = await autocannon({
  url,
  method,
  headers: JSON.parse(headersJson),
  body: body || undefined,
  requests,
  ...(amount ? { amount } : { duration: Number(seconds) }),
  ...(flags.rate ? { overallRate: Number(flags.rate) } : {}),
  connections: Number(connections ?? 10),
  pipelining: 1,
});
if (pool && check) fs.writeFileSync(poolFile, JSON.stringify([...latest.values()]));
// With `amount`, the run's own wall time (autocannon's per-second average would round it).
const elapsed = result.finish && result.start ? (new Date(result.finish) - new Date(result.start)) / 1000 : Number(seconds);
process.stdout.write(
  JSON.stringify({ requests: result.requests.total, rps: amount ? result.requests.total / elapsed : result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + lost, errors: result.errors, ...(sample ? { sample } : {}) }) + '\n',
);
