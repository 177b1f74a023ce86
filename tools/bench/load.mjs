// One autocannon run, meant to be started pinned to its own core: prints the result as JSON.
// With a pool file (6th argument), each request takes a remembered device from the pool, sends its current
// trust token, and puts the device back with the rotated token from the answer: as many devices as
// connections, each signing in again and again, as real remembered devices do.
import fs from 'node:fs';
import autocannon from 'autocannon';

const [url, method, headersJson, body, seconds, connections, poolFile] = process.argv.slice(2);
const pool = poolFile ? JSON.parse(fs.readFileSync(poolFile, 'utf8')) : null;
const latest = new Map((pool ?? []).map((d) => [d.deviceId, d]));
let next = 0;
const generation = (token) => Number(token.split('.')[2]);
let lost = 0;
const requests = pool
  ? [
      {
        // Round robin over more devices than connections, so one device is rarely in flight twice; when it
        // is, the previous token is still accepted for a minute after a rotation.
        setupRequest(req, context) {
          const device = latest.get(pool[next++ % pool.length].deviceId);
          context.deviceId = device.deviceId;
          req.body = JSON.stringify({ member: { externalId: device.externalId }, device: { id: device.deviceId, name: 'Bench' }, client: { name: 'Jellyfin Web', version: '10.11' }, trustToken: device.token });
          return req;
        },
        onResponse(status, resBody, context) {
          try {
            const answer = JSON.parse(resBody);
            if (answer.decision !== 'allow' || !answer.trustToken) {
              lost++;
              if (process.env.LK_BENCH_DEBUG && lost < 5) process.stderr.write(`${status} ${resBody.slice(0, 300)}\n`);
            }
            // Answers can arrive out of order: keep the newest generation (`lkd1.<id>.<generation>.<mac>`).
            else if (generation(answer.trustToken) > generation(latest.get(context.deviceId).token)) latest.set(context.deviceId, { ...latest.get(context.deviceId), token: answer.trustToken });
          } catch {
            lost++;
          }
        },
      },
    ]
  : undefined;
const result = await autocannon({
  url,
  method,
  headers: JSON.parse(headersJson),
  body: body || undefined,
  requests,
  duration: Number(seconds),
  connections: Number(connections ?? 10),
  pipelining: 1,
});
if (pool) fs.writeFileSync(poolFile, JSON.stringify([...latest.values()]));
process.stdout.write(JSON.stringify({ requests: result.requests.total, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + lost, errors: result.errors }) + '\n');
